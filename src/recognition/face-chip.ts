/**
 * The face chip the recognition net is fed: the face turned upright and scaled so that its eyes and mouth
 * land where dlib's `get_face_chip_details(shape, 150, 0.25)` puts them, the chip that dlib's ResNet (whose
 * weights face-api's recognition net carries) was trained on. face-api's own crop is an upright square around
 * eyes and mouth: a tilted head stays tilted, and the face fills ~10 % less of it than of dlib's chip.
 *
 * Pure: 68 landmarks in frame pixels → a similarity transform (least squares over three anchors: each eye's
 * centre and the mouth's) → the chip, sampled bilinearly from the frame with mirrored borders, as HWC floats.
 */
import type { RgbPixels } from '../imaging/pixels.js';
import { reflect } from './mirror-pad.js';

export interface ChipPoint {
  readonly x: number;
  readonly y: number;
}

/** frame = [scale·cos, −scale·sin; scale·sin, scale·cos] · chip + (tx, ty): `a` is scale·cos, `b` scale·sin. */
export interface ChipTransform {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

export const CHIP_SIDE = 150;
/** The context around the face, as a share of the face's template square on each side (dlib's 0.25). */
export const CHIP_PADDING = 0.25;

/**
 * Where the anchors sit in a face's template square (0..1, before padding): each eye's centre (mean of the
 * iBUG-68 points 36–41 and 42–47) and the mouth's (points 48–54 and 60–64), computed from the mean face
 * shape dlib aligns its 68 points to.
 */
const TEMPLATE_ANCHORS: readonly ChipPoint[] = [
  { x: 0.22549, y: 0.21599 },
  { x: 0.75476, y: 0.21599 },
  { x: 0.49013, y: 0.76342 },
];

function mean(points: readonly ChipPoint[], from: number, to: number): ChipPoint {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i += 1) {
    x += points[i]!.x;
    y += points[i]!.y;
  }
  return { x: x / (to - from), y: y / (to - from) };
}

/** The three anchors of 68 landmarks (frame pixels), in the order of TEMPLATE_ANCHORS. */
export function anchorsOf(landmarks: readonly ChipPoint[]): ChipPoint[] {
  const mouth = [...landmarks.slice(48, 55), ...landmarks.slice(60, 65)];
  return [mean(landmarks, 36, 42), mean(landmarks, 42, 48), mean(mouth, 0, mouth.length)];
}

/** Least-squares similarity (rotation, uniform scale, shift; no reflection) taking `from` onto `to`. */
export function similarityTransform(from: readonly ChipPoint[], to: readonly ChipPoint[]): ChipTransform {
  const f = mean(from, 0, from.length);
  const t = mean(to, 0, to.length);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  from.forEach((p, i) => {
    const u = p.x - f.x;
    const v = p.y - f.y;
    const x = to[i]!.x - t.x;
    const y = to[i]!.y - t.y;
    dot += u * x + v * y;
    cross += u * y - v * x;
    norm += u * u + v * v;
  });
  const a = norm === 0 ? 1 : dot / norm;
  const b = norm === 0 ? 0 : cross / norm;
  return { a, b, tx: t.x - (a * f.x - b * f.y), ty: t.y - (b * f.x + a * f.y) };
}

/** Chip pixel → frame pixel for a face with these 68 landmarks, for a chip of `side` pixels. */
export function chipTransformFor(landmarks: readonly ChipPoint[], side = CHIP_SIDE, padding = CHIP_PADDING): ChipTransform {
  const inChip = TEMPLATE_ANCHORS.map((p) => ({ x: ((padding + p.x) / (1 + 2 * padding)) * side, y: ((padding + p.y) / (1 + 2 * padding)) * side }));
  return similarityTransform(inChip, anchorsOf(landmarks));
}

/** The chip as `side × side × 3` floats (RGB, 0..255, row-major), sampled bilinearly at each chip pixel. */
export function sampleChip(frame: RgbPixels, transform: ChipTransform, side = CHIP_SIDE): Float32Array {
  const { data, width, height } = frame;
  const { a, b, tx, ty } = transform;
  const out = new Float32Array(side * side * 3);
  for (let r = 0; r < side; r += 1) {
    for (let c = 0; c < side; c += 1) {
      const x = a * c - b * r + tx;
      const y = b * c + a * r + ty;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const left = reflect(x0, width) * 3;
      const right = reflect(x0 + 1, width) * 3;
      const top = reflect(y0, height) * width * 3;
      const bottom = reflect(y0 + 1, height) * width * 3;
      const at = (r * side + c) * 3;
      for (let k = 0; k < 3; k += 1) {
        const upper = data[top + left + k]! * (1 - fx) + data[top + right + k]! * fx;
        const lower = data[bottom + left + k]! * (1 - fx) + data[bottom + right + k]! * fx;
        out[at + k] = upper * (1 - fy) + lower * fy;
      }
    }
  }
  return out;
}
