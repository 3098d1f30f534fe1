/**
 * Which face of an enrollment photo is enrolled, and what the answer tells the user about it. Pure.
 * A photo without a face, or whose face is too small to describe well, is refused: its descriptor would
 * match strangers. With several faces the largest is enrolled and the answer says so.
 */
import { InvalidInputError } from '../domain/errors.js';
import type { FaceBox } from '../ports/recognizer.js';
import type { EmbeddedFace } from './embedder.js';

export interface EnrollmentFloor {
  /** Narrowest face (pixels of the photo) enrolled. */
  readonly minFaceSide: number;
}

/**
 * 40 px is the smallest face the detector looks for in larger photos (detection-plan.ts); below it a
 * descriptor is mostly blur. (A floor on the detector's score was tried and dropped: 2 of the 100 seed
 * gallery photos and 3 of the real-photo set's clear portraits score 0.40-0.50.)
 */
export const DEFAULT_ENROLLMENT_FLOOR: EnrollmentFloor = { minFaceSide: 40 };

export type FaceChoice =
  | { readonly ok: true; readonly face: EmbeddedFace; readonly note?: string }
  | { readonly ok: false; readonly reason: string };

/** `faces` largest first, as the embedder lists them. */
export function chooseEnrollmentFace(faces: readonly EmbeddedFace[], floor: EnrollmentFloor): FaceChoice {
  const face = faces[0];
  if (face === undefined) return { ok: false, reason: 'no face found in the photo' };
  const side = Math.round(Math.min(face.box.width, face.box.height));
  if (side < floor.minFaceSide) {
    return { ok: false, reason: `the face is ${side} px wide; at least ${floor.minFaceSide} px are needed` };
  }
  if (faces.length === 1) return { ok: true, face };
  return { ok: true, face, note: `${faces.length} faces found; the largest was enrolled` };
}

export interface EnrolledPhoto {
  readonly fileName: string;
  /** Where the photo is stored in the gallery bucket. */
  readonly key: string;
  /** Faces found in the photo; the largest one is enrolled. */
  readonly faces: number;
  /** The enrolled face, in the photo's pixels, with the detector's score. */
  readonly face: FaceBox & { readonly score: number };
  /** Said when the photo had several faces. */
  readonly note?: string;
  /** Descriptors stored for this photo (the photo and those of its copies where the face was found). */
  readonly examples: number;
}

/** What happened to one photo of a refused enrollment (listed in the error's details). */
export interface PhotoReport {
  readonly fileName: string;
  readonly status: 'accepted' | 'refused';
  readonly faces: number;
  readonly reason?: string;
}

/** One photo cannot be enrolled (no face, or one below the floor); reindex skips such photos. */
export class PhotoRefusedError extends InvalidInputError {
  constructor(readonly report: PhotoReport) {
    super(`${report.fileName}: ${report.reason ?? 'refused'}`);
  }
}

export function refusedEnrollment(subject: string, reports: readonly PhotoReport[]): InvalidInputError {
  const refused = reports.filter((r) => r.status === 'refused');
  const reasons = refused.map((r) => `${r.fileName}: ${r.reason ?? 'refused'}`).join('; ');
  const message = `${refused.length} of ${reports.length} photo(s) cannot be enrolled, so nothing was added to "${subject}": ${reasons}`;
  return new InvalidInputError(message, { details: { photos: reports } });
}
