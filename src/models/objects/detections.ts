/**
 * Pure post-processing of a detector's rows: score threshold, non-maximum suppression across classes
 * (one box per object: CenterNet may name one object twice, as car and truck), best score per label.
 */
import type { LabelScore } from '../../ports/image-model.js';

export interface Detection {
  /** Corners in model-input pixels. */
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly classId: number;
}

/** Rows of [x1, y1, x2, y2, score, class] (CenterNet's `tower_0/detections`), those scoring at least minScore. */
export function readDetectionRows(values: Float32Array | number[], minScore: number): Detection[] {
  const out: Detection[] = [];
  for (let row = 0; row + 6 <= values.length; row += 6) {
    const [x1, y1, x2, y2, score, classId] = [0, 1, 2, 3, 4, 5].map((i) => Number(values[row + i]));
    if (!(score! >= minScore) || !Number.isFinite(classId)) continue;
    out.push({ x1: x1!, y1: y1!, x2: x2!, y2: y2!, score: score!, classId: Math.round(classId!) });
  }
  return out;
}

export function intersectionOverUnion(a: Detection, b: Detection): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  const area = (d: Detection) => Math.max(0, d.x2 - d.x1) * Math.max(0, d.y2 - d.y1);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS, best score first: a box overlapping a kept one by more than `iou` is dropped. */
export function nonMaxSuppression(detections: readonly Detection[], iou: number, maxKept: number): Detection[] {
  const kept: Detection[] = [];
  for (const candidate of [...detections].sort((a, b) => b.score - a.score)) {
    if (kept.length >= maxKept) break;
    if (kept.every((k) => intersectionOverUnion(k, candidate) <= iou)) kept.push(candidate);
  }
  return kept;
}

/** The best score of each label, best first. */
export function bestScorePerLabel(items: readonly LabelScore[]): LabelScore[] {
  const best = new Map<string, number>();
  for (const { label, score } of items) best.set(label, Math.max(best.get(label) ?? -Infinity, score));
  return [...best].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
}
