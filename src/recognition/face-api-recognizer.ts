/**
 * The Recognizer port on face-api: embed the image, match every face against the gallery cache.
 */
import type { ObjectStore } from '../ports/object-store.js';
import {
  NO_FACE_LABEL,
  type RecognitionResult,
  type RecognizedFace,
  type Recognizer,
} from '../ports/recognizer.js';
import type { ScalefaceError } from '../domain/errors.js';
import { createFaceEmbedder, type FaceEmbedder } from './embedder.js';
import { GalleryAdmin } from './enrollment.js';
import { GalleryCache } from './gallery.js';
import { matchDescriptor, type MatchRules } from './matcher.js';
import { currentModelIdentity, type ModelIdentity } from './model-identity.js';
import { ThreadedFaceEmbedder } from './threaded-embedder.js';

export interface FaceRecognizerOptions extends MatchRules {
  readonly store: ObjectStore;
  readonly galleryBucket: string;
  /** How often the gallery's manifest is checked for enrollment changes. */
  readonly galleryRefreshMs: number;
  /** Told about failed background gallery refreshes (the last loaded gallery stays in use). */
  readonly onGalleryError?: (error: ScalefaceError) => void;
  /** The identity galleries must have been enrolled with; default: the model this process runs. */
  readonly model?: ModelIdentity;
}

/** A Recognizer plus what tests and the worker may want to poke: the cache behind it. */
export interface FaceRecognizer extends Recognizer {
  readonly gallery: GalleryCache;
}

class FaceApiRecognizer implements FaceRecognizer {
  constructor(
    private readonly embedder: FaceEmbedder,
    readonly gallery: GalleryCache,
    private readonly rules: MatchRules,
  ) {}

  async recognize(image: Buffer): Promise<RecognitionResult> {
    const embedding = await this.embedder.embed(image);
    const index = this.gallery.index;
    const faces: RecognizedFace[] = embedding.faces.map((face) => {
      const match = matchDescriptor(index, face.descriptor, this.rules);
      return { box: face.box, score: face.score, label: match.label, distance: match.distance };
    });
    return {
      label: faces[0]?.label ?? NO_FACE_LABEL, // the embedder lists the largest face first
      faces,
      width: embedding.width,
      height: embedding.height,
      inferenceMs: embedding.inferenceMs,
    };
  }

  async close(): Promise<void> {
    this.gallery.stop();
  }
}

/**
 * Loads the model (once per process; throws ModelUnavailableError without the wasm backend), reads the
 * gallery, and keeps it fresh every `galleryRefreshMs` until `close()`. Throws GalleryModelMismatchError
 * when the gallery was enrolled with another model: the worker must not start on it.
 */
export async function createFaceRecognizer(options: FaceRecognizerOptions): Promise<FaceRecognizer> {
  const embedder = await createFaceEmbedder();
  const gallery = new GalleryCache(options.store, options.galleryBucket, {
    refreshMs: options.galleryRefreshMs,
    model: options.model ?? currentModelIdentity(),
    onError: options.onGalleryError,
  });
  await gallery.refreshIfChanged();
  gallery.start();
  const rules = { distanceThreshold: options.distanceThreshold, margin: options.margin };
  return new FaceApiRecognizer(embedder, gallery, rules);
}

/**
 * Enrollment for the web tier: descriptors are computed in a worker thread, started (and the model loaded
 * in it) on the first photo, so the web tier's main thread keeps serving requests meanwhile. The idle
 * thread does not keep the process alive.
 */
export function createGalleryAdmin(store: ObjectStore, bucket: string): GalleryAdmin {
  return new GalleryAdmin(store, bucket, new ThreadedFaceEmbedder());
}
