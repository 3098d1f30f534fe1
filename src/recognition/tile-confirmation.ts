/**
 * A second look at faces that only the tiles found. Pure: which passes look again, and what they must find.
 *
 * Every false face of the no-face photo set (test/fixtures/no-face: a giraffe's neck, a mandrill, coins, a
 * sudoku, cells) and of the group photos (a shirt, hands, a sign, a wheel) came from a tile pass at 416, with
 * no whole-frame pass seeing it. Looked at again in a crop of 2.2x the box at inputSize 160 and 224, a real face
 * is found again at both (lowest measured 0.53 over 64 faces of 59-145 px pasted on scenes and 9 of 11 real
 * ones), where those false faces score under 0.5 at one of the two at least. Measured in
 * bench/accuracy/no-face.ts beside other checks (a stricter tile score, the descriptor's norm and its
 * distance to the mean face), which removed fewer false faces or lost more real ones.
 */
import type { FaceBox } from '../ports/recognizer.js';
import type { DetectionPass, Region } from './detection-plan.js';

export interface TileConfirmation {
  /** Side of the crop looked at again, as a multiple of the box's longer side. */
  readonly cropFactor: number;
  /** Every one of these input sizes must find the face again... */
  readonly inputSizes: readonly number[];
  /** ...scoring at least this. */
  readonly minScore: number;
}

export const DEFAULT_TILE_CONFIRMATION: TileConfirmation = { cropFactor: 2.2, inputSizes: [160, 224], minScore: 0.5 };

/** The crop around `box` (clipped to the frame) that the confirming passes see. */
export function confirmationRegion(box: FaceBox, frame: { readonly width: number; readonly height: number }, cropFactor: number): Region {
  const side = Math.max(box.width, box.height) * cropFactor;
  const x = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const y = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  return { x, y, width: Math.max(1, Math.min(frame.width - x, Math.round(side))), height: Math.max(1, Math.min(frame.height - y, Math.round(side))) };
}

export function confirmationPasses(box: FaceBox, frame: { readonly width: number; readonly height: number }, settings: TileConfirmation): DetectionPass[] {
  const region = confirmationRegion(box, frame, settings.cropFactor);
  return settings.inputSizes.map((inputSize) => ({ name: `confirm@${inputSize}`, region, borderFraction: 0, inputSize, isTile: false }));
}
