/**
 * Network inputs cut from an RGB frame without copying it: a view maps each of its columns and rows to a
 * frame column and row (or to -1: a zero pixel). Crops, mirrored borders and pad-to-square are index
 * maps; the only pixel work is the final bilinear resize, which writes normalized NCHW floats.
 *
 * The resize equals tfjs's `resizeBilinear(alignCorners = false, halfPixelCenters = false)`, which
 * face-api's `toBatchTensor` uses: source = destination · (in / out), top-left neighbour and the next one.
 */
import type { RgbPixels } from '../decode.js';
import { reflect } from '../mirror-pad.js';

export interface FrameView {
  readonly frame: RgbPixels;
  /** Frame column of each view column; -1 is a zero pixel. */
  readonly columns: Int32Array;
  /** Frame row of each view row; -1 is a zero pixel. */
  readonly rows: Int32Array;
}

function range(length: number, start = 0): Int32Array {
  const values = new Int32Array(length);
  for (let i = 0; i < length; i++) values[i] = start + i;
  return values;
}

export function wholeFrame(frame: RgbPixels): FrameView {
  return { frame, columns: range(frame.width), rows: range(frame.height) };
}

export function viewWidth(view: FrameView): number {
  return view.columns.length;
}

export function viewHeight(view: FrameView): number {
  return view.rows.length;
}

/** Integer crop; the caller keeps it inside the view. */
export function cropView(view: FrameView, x: number, y: number, width: number, height: number): FrameView {
  return { frame: view.frame, columns: view.columns.subarray(x, x + width), rows: view.rows.subarray(y, y + height) };
}

/** tfjs `mirrorPad(..., 'symmetric')`: index -1 repeats index 0, n repeats n - 1. */
function mirrorAxis(axis: Int32Array, before: number, after: number): Int32Array {
  const n = axis.length;
  const out = new Int32Array(n + before + after);
  for (let i = 0; i < out.length; i++) out[i] = axis[reflect(i - before, n)]!;
  return out;
}

export function mirrorBorder(view: FrameView, margins: { left: number; top: number; right: number; bottom: number }): FrameView {
  return {
    frame: view.frame,
    columns: mirrorAxis(view.columns, margins.left, margins.right),
    rows: mirrorAxis(view.rows, margins.top, margins.bottom),
  };
}

function zeroPadAxis(axis: Int32Array, before: number, after: number): Int32Array {
  const out = new Int32Array(axis.length + before + after).fill(-1);
  out.set(axis, before);
  return out;
}

/**
 * face-api's `padToSquare`: zeros after the short side (`centered` false), or `round(diff / 2)` after and
 * the rest before (`centered` true).
 */
export function padToSquare(view: FrameView, centered: boolean): FrameView {
  const width = viewWidth(view);
  const height = viewHeight(view);
  const diff = Math.abs(width - height);
  if (diff === 0) return view;
  const after = Math.round(diff * (centered ? 0.5 : 1));
  const before = diff - after;
  if (height > width) return { ...view, columns: zeroPadAxis(view.columns, before, after) };
  return { ...view, rows: zeroPadAxis(view.rows, before, after) };
}

/**
 * Per output index along one axis: the data offsets of the two neighbours and their weights. A zero
 * pixel (padding) gets weight 0 and any valid offset, so one branch-free loop serves padded views too.
 */
interface AxisSamples {
  readonly low: Int32Array;
  readonly high: Int32Array;
  readonly lowWeight: Float32Array;
  readonly highWeight: Float32Array;
}

function sampleAxis(axis: Int32Array, outSize: number, stride: number): AxisSamples {
  const inSize = axis.length;
  const scale = inSize / outSize;
  const samples = {
    low: new Int32Array(outSize),
    high: new Int32Array(outSize),
    lowWeight: new Float32Array(outSize),
    highWeight: new Float32Array(outSize),
  };
  for (let i = 0; i < outSize; i++) {
    const source = i * scale;
    const floor = Math.floor(source);
    const fraction = source - floor;
    const [low, high] = [axis[floor]!, axis[Math.min(floor + 1, inSize - 1)]!];
    samples.low[i] = Math.max(0, low) * stride;
    samples.high[i] = Math.max(0, high) * stride;
    samples.lowWeight[i] = low < 0 ? 0 : 1 - fraction;
    samples.highWeight[i] = high < 0 ? 0 : fraction;
  }
  return samples;
}

export interface Normalization {
  /** Subtracted per channel (R, G, B) before dividing. */
  readonly mean: readonly [number, number, number];
  readonly divisor: number;
}

/**
 * Resizes a square view to `size` × `size` and writes `(value - mean) / divisor` as planes R, G, B into
 * `out` at `offset` (one NCHW batch item: 3 · size² floats). The hot loop of the onnx runtime's
 * preparation: plain typed-array loops over offsets and weights precomputed per axis.
 */
export function writeNetInput(view: FrameView, size: number, norm: Normalization, out: Float32Array, offset = 0): void {
  const { data, width } = view.frame;
  const { low: lefts, high: rights, lowWeight: leftWeights, highWeight: rightWeights } = sampleAxis(view.columns, size, 3);
  const ys = sampleAxis(view.rows, size, width * 3);
  const plane = size * size;
  const divisor = norm.divisor;
  for (let channel = 0; channel < 3; channel++) {
    const mean = norm.mean[channel]!;
    for (let y = 0; y < size; y++) {
      const top = ys.low[y]! + channel;
      const bottom = ys.high[y]! + channel;
      const topWeight = ys.lowWeight[y]!;
      const bottomWeight = ys.highWeight[y]!;
      const row = offset + channel * plane + y * size;
      for (let x = 0; x < size; x++) {
        const left = lefts[x]!;
        const right = rights[x]!;
        const leftWeight = leftWeights[x]!;
        const rightWeight = rightWeights[x]!;
        const upper = data[top + left]! * leftWeight + data[top + right]! * rightWeight;
        const lower = data[bottom + left]! * leftWeight + data[bottom + right]! * rightWeight;
        out[row + x] = (upper * topWeight + lower * bottomWeight - mean) / divisor;
      }
    }
  }
}
