/**
 * Merging the boxes that several detector passes found into one box per face. Pure.
 */
import type { FaceBox } from '../ports/recognizer.js';
import { largestFound, smallestFound, type DetectionPass, type Region } from './detection-plan.js';

export interface FoundBox {
  /** In frame pixels; may reach past the frame's edges (a face that fills the picture). */
  readonly box: FaceBox;
  readonly score: number;
  /** Index of the pass that found it: for one face, an earlier pass's box is kept (see mergeFoundBoxes). */
  readonly passIndex: number;
}

/**
 * Two boxes show the same face when their overlap covers at least this much of the smaller one and their
 * sizes differ by less than `SAME_FACE_MAX_SIDE_RATIO` (a part of a face, seen at another scale, is about
 * half as wide as the face: 0.43-0.75 measured; a box around several faces is much larger than each).
 */
const SAME_FACE_OVERLAP = 0.5;
const SAME_FACE_MAX_SIDE_RATIO = 2.5;
/** A tile detection this close (px) to an inner tile edge is a cut face. */
const EDGE_SLACK = 2;

function area(box: FaceBox): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

/** Intersection area over the smaller box's area (1 when one box lies inside the other). */
export function overlapOfSmaller(a: FaceBox, b: FaceBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const smaller = Math.min(area(a), area(b));
  return smaller > 0 ? (width * height) / smaller : 0;
}

/**
 * True when a box found in a tile touches one of the tile's edges that is not also an edge of the frame:
 * the face continues in the next tile, which (tiles overlap by more than a face) holds it whole.
 */
export function isCutByTileEdge(box: FaceBox, pass: DetectionPass, frame: { width: number; height: number }): boolean {
  if (!pass.isTile) return false;
  const tile: Region = pass.region;
  const cutLeft = tile.x > 0 && box.x <= tile.x + EDGE_SLACK;
  const cutTop = tile.y > 0 && box.y <= tile.y + EDGE_SLACK;
  const cutRight = tile.x + tile.width < frame.width && box.x + box.width >= tile.x + tile.width - EDGE_SLACK;
  const cutBottom = tile.y + tile.height < frame.height && box.y + box.height >= tile.y + tile.height - EDGE_SLACK;
  return cutLeft || cutTop || cutRight || cutBottom;
}

export function isSameFace(a: FaceBox, b: FaceBox): boolean {
  const sides = [side(a), side(b)].sort((x, y) => x - y) as [number, number];
  return overlapOfSmaller(a, b) >= SAME_FACE_OVERLAP && sides[1] <= SAME_FACE_MAX_SIDE_RATIO * sides[0];
}

/** A later pass's box replaces an earlier one of the same face when it is this much wider and more confident. */
const WHOLE_FACE_MIN_SIDE_RATIO = 1.5;

function side(box: FaceBox): number {
  return Math.max(box.width, box.height);
}

/**
 * One box per face. The earlier pass's box is kept (the first pass is the one every gallery was enrolled
 * with, and its boxes make the descriptors the thresholds were measured on), unless a later pass saw the
 * same face whole where the earlier one saw a part of it: a box 1.5x wider and more confident.
 */
export function mergeFoundBoxes(found: readonly FoundBox[]): FoundBox[] {
  const ordered = [...found].sort((a, b) => a.passIndex - b.passIndex || b.score - a.score);
  const kept: FoundBox[] = [];
  for (const candidate of ordered) {
    const same = kept.findIndex((k) => isSameFace(k.box, candidate.box));
    if (same < 0) kept.push(candidate);
    else if (isWholerView(candidate, kept[same] as FoundBox)) kept[same] = candidate;
  }
  return kept;
}

function isWholerView(candidate: FoundBox, kept: FoundBox): boolean {
  return side(candidate.box) >= WHOLE_FACE_MIN_SIDE_RATIO * side(kept.box) && candidate.score > kept.score;
}

function containsCenter(region: Region, box: FaceBox): boolean {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return cx >= region.x && cy >= region.y && cx < region.x + region.width && cy < region.y + region.height;
}

/**
 * Drops boxes smaller than their pass finds reliably (most of the detector's false faces: a shoulder, a
 * fold of a jacket) unless another pass, for which that size is in range, found the same face. Such a box
 * is kept when no pass of the plan covers its size there: then it is the best evidence there is.
 */
export function dropUnconfirmedSmallBoxes(found: readonly FoundBox[], passes: readonly DetectionPass[]): FoundBox[] {
  return found.filter((hit) => {
    const pass = passes[hit.passIndex];
    const size = side(hit.box);
    if (pass === undefined || size >= smallestFound(pass)) return true;
    const coveringElsewhere = passes.some((other, i) => i !== hit.passIndex && smallestFound(other) <= size && containsCenter(other.region, hit.box));
    if (!coveringElsewhere) return true;
    return found.some((twin) => twin.passIndex !== hit.passIndex && isSameFace(twin.box, hit.box));
  });
}

function sees(pass: DetectionPass, hit: FoundBox): boolean {
  const size = side(hit.box);
  return smallestFound(pass) <= size && size <= largestFound(pass) && containsCenter(pass.region, hit.box);
}

/**
 * Drops boxes larger than their pass finds reliably (a retina photo seen as a face filling the frame) unless
 * a pass for which that size is in range found the same face; kept when no other pass covers that size.
 */
export function dropUnconfirmedLargeBoxes(found: readonly FoundBox[], passes: readonly DetectionPass[]): FoundBox[] {
  return found.filter((hit) => {
    const pass = passes[hit.passIndex];
    if (pass === undefined || side(hit.box) <= largestFound(pass)) return true;
    const covering = passes.filter((other, i) => i !== hit.passIndex && sees(other, hit));
    if (covering.length === 0) return true;
    return found.some((twin) => covering.includes(passes[twin.passIndex] as DetectionPass) && isSameFace(twin.box, hit.box));
  });
}

/** True when only tiles saw this face: no whole-frame pass found a box of the same face. */
export function isTileOnly(hit: FoundBox, found: readonly FoundBox[], passes: readonly DetectionPass[]): boolean {
  return !found.some((twin) => passes[twin.passIndex]?.isTile === false && isSameFace(twin.box, hit.box));
}
