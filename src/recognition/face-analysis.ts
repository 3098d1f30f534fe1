/**
 * Detection and verification on the face nets: no gallery for a detection, the gallery's examples of one
 * subject (or a second photo) for a verification. The largest face of a photo is the one verified, as the
 * largest is the one enrolled (enrollment-faces.ts).
 */
import { NoFaceError, NotFoundError } from '../domain/errors.js';
import { validateSubjectName } from '../domain/naming.js';
import type { FaceAnalysis, FaceDetections, Verification, VerificationTarget } from '../ports/image-model.js';
import type { EmbeddedFace, FaceEmbedder, ImageEmbedding } from './embedder.js';
import { faceQuality, keyPointsOf } from './face-quality.js';
import { euclideanDistance, type Descriptor, type GalleryIndex } from './matcher.js';

/** Where a verification against a subject finds the subject's descriptors: the worker's gallery. */
export interface SubjectDescriptorSource {
  readonly index: GalleryIndex;
}

/** The subject's examples in the loaded gallery; NotFoundError when it has none. */
export function subjectDescriptors(gallery: SubjectDescriptorSource, name: string): readonly Descriptor[] {
  const subject = validateSubjectName(name);
  const found = gallery.index.find((entry) => entry.name === subject);
  if (found === undefined || found.descriptors.length === 0) {
    throw new NotFoundError(`no subject named "${subject}" in the gallery (a new subject reaches the workers within recognition.galleryRefreshMs)`);
  }
  return found.descriptors;
}

function largestFace(embedding: ImageEmbedding, photo: string): EmbeddedFace {
  const face = embedding.faces[0];
  if (face === undefined) throw new NoFaceError(`no face found in the ${photo} photo`);
  return face;
}

export class FaceAnalyzer implements FaceAnalysis {
  constructor(
    private readonly embedder: FaceEmbedder,
    private readonly galleryOf: (collection: string | undefined) => Promise<SubjectDescriptorSource>,
    private readonly threshold: number,
  ) {}

  async detect(image: Buffer): Promise<FaceDetections> {
    const embedding = await this.embedder.embed(image);
    const faces = embedding.faces.map(({ box, score, landmarks = [] }) => ({
      box,
      score,
      quality: faceQuality(box, score),
      landmarks,
      keyPoints: keyPointsOf(landmarks),
    }));
    return { width: embedding.width, height: embedding.height, faces, inferenceMs: embedding.inferenceMs };
  }

  async verify(image: Buffer, target: VerificationTarget): Promise<Verification> {
    const source = await this.embedder.embed(image);
    const face = largestFace(source, 'source');
    if ('subject' in target) {
      const examples = subjectDescriptors(await this.galleryOf(target.collection), target.subject);
      const distance = Math.min(...examples.map((example) => euclideanDistance(example, face.descriptor)));
      return this.answer(distance, { source: source.faces.length }, source.inferenceMs);
    }
    const other = await this.embedder.embed(target.image);
    const distance = euclideanDistance(largestFace(other, 'target').descriptor, face.descriptor);
    return this.answer(distance, { source: source.faces.length, target: other.faces.length }, source.inferenceMs + other.inferenceMs);
  }

  private answer(distance: number, faces: Verification['faces'], inferenceMs: number): Verification {
    const rounded = Math.round(distance * 10_000) / 10_000;
    return { same: distance <= this.threshold, distance: rounded, threshold: this.threshold, faces, inferenceMs };
  }
}
