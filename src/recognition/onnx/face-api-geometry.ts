/**
 * face-api's arithmetic around its nets, in plain numbers: the tiny detector's box decoding and non-max
 * suppression, landmarks back to image pixels, and box clipping. Each function follows the face-api 1.7 code
 * named in its comment, quirks included, so that boxes and landmarks equal face-api's (the face chip the
 * recognition net is fed is this project's own: ../face-chip.ts).
 */
import type { FaceBox } from '../../ports/recognizer.js';

/** TinyFaceDetector's anchors (tinyFaceDetector/const.ts), in grid cells. */
const ANCHORS: readonly (readonly [number, number])[] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const IOU_THRESHOLD = 0.4;
const BOX_ENCODING = 5;

export interface ScoredBox {
  readonly box: FaceBox;
  readonly score: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function iou(a: FaceBox, b: FaceBox): number {
  const width = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const height = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const intersection = width * height;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

/** ops/nonMaxSuppression.ts: highest score first, drop boxes overlapping a kept one by more than the threshold. */
function nonMaxSuppression(boxes: readonly FaceBox[], scores: readonly number[]): number[] {
  let order = scores.map((score, index) => ({ score, index })).sort((a, b) => a.score - b.score).map((c) => c.index);
  const picked: number[] = [];
  while (order.length > 0) {
    const current = order.pop()!;
    picked.push(current);
    order = order.filter((other) => iou(boxes[current]!, boxes[other]!) <= IOU_THRESHOLD);
  }
  return picked;
}

/**
 * TinyYolov2Base.detect + extractBoxes: the detector output (NCHW [1, 25, cells, cells]) as boxes in the
 * pixels of the view that was fed (`width` × `height`, before padding to square), scoring above `threshold`.
 */
export function decodeDetections(output: Float32Array, cells: number, inputSize: number, width: number, height: number, threshold: number): ScoredBox[] {
  const scale = inputSize / Math.max(width, height);
  const correctionX = inputSize / Math.round(width * scale);
  const correctionY = inputSize / Math.round(height * scale);
  const plane = cells * cells;
  const at = (anchor: number, k: number, row: number, col: number) => output[(anchor * BOX_ENCODING + k) * plane + row * cells + col]!;
  const relative: FaceBox[] = [];
  const scores: number[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (const [anchor, [anchorX, anchorY]] of ANCHORS.entries()) {
        const score = sigmoid(at(anchor, 4, row, col));
        if (threshold && score <= threshold) continue;
        const centerX = ((col + sigmoid(at(anchor, 0, row, col))) / cells) * correctionX;
        const centerY = ((row + sigmoid(at(anchor, 1, row, col))) / cells) * correctionY;
        const boxWidth = ((Math.exp(at(anchor, 2, row, col)) * anchorX) / cells) * correctionX;
        const boxHeight = ((Math.exp(at(anchor, 3, row, col)) * anchorY) / cells) * correctionY;
        relative.push({ x: centerX - boxWidth / 2, y: centerY - boxHeight / 2, width: boxWidth, height: boxHeight });
        scores.push(score);
      }
    }
  }
  const forSuppression = relative.map((b) => ({ x: b.x * inputSize, y: b.y * inputSize, width: b.width * inputSize, height: b.height * inputSize }));
  return nonMaxSuppression(forSuppression, scores).map((index) => {
    const b = relative[index]!;
    return { box: { x: b.x * width, y: b.y * height, width: b.width * width, height: b.height * height }, score: scores[index]! };
  });
}

/** An integer rectangle to crop. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Box.clipAtImageBorders: clip the box's left and top, cut it at the image, floor everything. */
export function clipAtImageBorders(box: FaceBox, imageWidth: number, imageHeight: number): PixelRect {
  const x = Math.max(box.x, 0);
  const y = Math.max(box.y, 0);
  const width = Math.min(box.x + box.width - x, imageWidth - x);
  const height = Math.min(box.y + box.height - y, imageHeight - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(width), height: Math.floor(height) };
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * FaceLandmark68NetBase.postProcess + extendWithFaceLandmarks: the net's 136 outputs for a crop of
 * `crop.width` × `crop.height` (fed centered-padded at `inputSize`) as 68 points in image pixels. face-api
 * subtracts half the padding exactly (not the rounded amount it padded by) and shifts by the detection box's
 * own corner, not the floored crop's: both kept.
 */
export function landmarksToImage(output: Float32Array, offset: number, crop: PixelRect, inputSize: number, shift: Point): Point[] {
  const scale = inputSize / Math.max(crop.width, crop.height);
  const scaledWidth = crop.width * scale;
  const scaledHeight = crop.height * scale;
  const padX = scaledWidth < scaledHeight ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
  const padY = scaledHeight < scaledWidth ? Math.abs(scaledWidth - scaledHeight) / 2 : 0;
  const points: Point[] = [];
  for (let i = 0; i < 68; i++) {
    const relativeX = (output[offset + 2 * i]! * inputSize - padX) / scaledWidth;
    const relativeY = (output[offset + 2 * i + 1]! * inputSize - padY) / scaledHeight;
    points.push({ x: relativeX * crop.width + shift.x, y: relativeY * crop.height + shift.y });
  }
  return points;
}
