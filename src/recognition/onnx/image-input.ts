/**
 * Network inputs cut from an RGB frame without copying it: a view maps each of its columns and rows to a
 * frame column and row (or to -1: a zero pixel). Crops, mirrored borders and pad-to-square are index
 * maps; the only pixel work is the final bilinear resize, which writes normalized NCHW floats.
 *
 * The resize equals tfjs's `resizeBilinear(alignCorners = false, halfPixelCenters = false)`, which
 * face-api's `toBatchTensor` uses: source = destination · (in / out), top-left neighbour and the next one.
 */
import type { RgbPixels } from '../decode.js';

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
  for (let i = 0; i < out.length; i++) {
    let source = i - before;
    if (source < 0) source = -source - 1;
    else if (source >= n) source = 2 * n - source - 1;
    out[i] = axis[source]!;
  }
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

interface AxisSamples {
  /** Offset of the lower and upper neighbour in the frame's data (column · 3 or row · stride), -1 for zero. */
  readonly low: Int32Array;
  readonly high: Int32Array;
  readonly fraction: Float32Array;
}

function sampleAxis(axis: Int32Array, outSize: number, stride: number): AxisSamples {
  const inSize = axis.length;
  const scale = inSize / outSize;
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const fraction = new Float32Array(outSize);
  const offset = (index: number) => (axis[index]! < 0 ? -1 : axis[index]! * stride);
  for (let i = 0; i < outSize; i++) {
    const source = i * scale;
    const floor = Math.floor(source);
    low[i] = offset(floor);
    high[i] = offset(Math.min(floor + 1, inSize - 1));
    fraction[i] = source - floor;
  }
  return { low, high, fraction };
}

export interface Normalization {
  /** Subtracted per channel (R, G, B) before dividing. */
  readonly mean: readonly [number, number, number];
  readonly divisor: number;
}

/**
 * Resizes a square view to `size` × `size` and writes `(value - mean) / divisor` as planes R, G, B into
 * `out` at `offset` (one NCHW batch item: 3 · size² floats). The hot loop of the onnx runtime's
 * preparation: offsets are precomputed per axis, and a zero pixel (padding) is the only branch.
 */
export function writeNetInput(view: FrameView, size: number, norm: Normalization, out: Float32Array, offset = 0): void {
  const { data, width } = view.frame;
  const xs = sampleAxis(view.columns, size, 3);
  const ys = sampleAxis(view.rows, size, width * 3);
  const plane = size * size;
  const at = (row: number, column: number, channel: number) => (row < 0 || column < 0 ? 0 : data[row + column + channel]!);
  for (let y = 0; y < size; y++) {
    const top = ys.low[y]!;
    const bottom = ys.high[y]!;
    const fy = ys.fraction[y]!;
    let index = offset + y * size;
    for (let x = 0; x < size; x++, index++) {
      const left = xs.low[x]!;
      const right = xs.high[x]!;
      const fx = xs.fraction[x]!;
      for (let c = 0; c < 3; c++) {
        const topLeft = at(top, left, c);
        const upper = topLeft + (at(top, right, c) - topLeft) * fx;
        const bottomLeft = at(bottom, left, c);
        const lower = bottomLeft + (at(bottom, right, c) - bottomLeft) * fx;
        out[index + c * plane] = (upper + (lower - upper) * fy - norm.mean[c]!) / norm.divisor;
      }
    }
  }
}
