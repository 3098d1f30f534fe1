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
import { FaceApiEmbedder, type FaceEmbedder } from './embedder.js';
import type { FaceRuntime } from './face-networks.js';
import { loadFaceNetworks, type RuntimeChoice } from './face-runtime.js';
import { GalleryAdmin } from './enrollment.js';
import { CollectionGalleries } from './collection-galleries.js';
import { FaceAnalyzer } from './face-analysis.js';
import type { FaceAnalysis } from '../ports/image-model.js';
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
  /** Which runtime runs the nets (default: auto, onnx where it loads). */
  readonly runtime?: RuntimeChoice;
}

/** What runs the model, for the worker's log and /v1/status. */
export interface RuntimeReport {
  readonly runtime: FaceRuntime;
  readonly engine: string;
  /** Why `auto` fell back to wasm. */
  readonly fallbackReason?: string;
}

/** A Recognizer plus what tests and the worker may want to poke: the cache behind it (the default collection's). */
export interface FaceRecognizer extends Recognizer {
  readonly gallery: GalleryCache;
  /** Every collection's gallery this process matched against. */
  readonly galleries: CollectionGalleries;
  readonly runtime: RuntimeReport;
  /** Detection (no gallery) and verification, on the same nets and gallery. */
  readonly analysis: FaceAnalysis;
}

class FaceApiRecognizer implements FaceRecognizer {
  constructor(
    private readonly embedder: FaceEmbedder,
    readonly galleries: CollectionGalleries,
    private readonly rules: MatchRules,
    readonly runtime: RuntimeReport,
  ) {
    this.analysis = new FaceAnalyzer(embedder, (collection) => galleries.of(collection), rules.distanceThreshold);
  }

  readonly analysis: FaceAnalysis;

  get gallery(): GalleryCache {
    return this.galleries.defaultGallery;
  }

  async recognize(image: Buffer, collection?: string): Promise<RecognitionResult> {
    const gallery = await this.galleries.of(collection);
    const embedding = await this.embedder.embed(image);
    const index = gallery.state;
    const faces: RecognizedFace[] = embedding.faces.map((face) => {
      const match = matchDescriptor(index, face.descriptor, this.rules);
      return { box: face.box, score: face.score, label: match.label, distance: match.distance, ...(match.nearest === undefined ? {} : { nearest: match.nearest }) };
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
    this.galleries.stop();
  }
}

/**
 * Loads the nets (once per process; throws ModelUnavailableError when the chosen runtime cannot run) and, at
 * the same time, the gallery, and keeps it fresh every `galleryRefreshMs` until `close()`. Throws GalleryModelMismatchError
 * when the gallery was enrolled with another model: the worker must not start on it.
 */
export async function createFaceRecognizer(options: FaceRecognizerOptions): Promise<FaceRecognizer> {
  const cacheOptions = { refreshMs: options.galleryRefreshMs, model: options.model ?? currentModelIdentity(), onError: options.onGalleryError };
  const gallery = new GalleryCache(options.store, options.galleryBucket, cacheOptions);
  // The gallery streams in while the nets load: a worker's start costs the longer of the two, not their sum.
  const [networks] = await Promise.all([loadFaceNetworks(options.runtime), gallery.refreshIfChanged()]);
  const embedder = new FaceApiEmbedder(networks);
  gallery.start();
  const galleries = new CollectionGalleries(gallery, options.store, options.galleryBucket, cacheOptions);
  const rules = { distanceThreshold: options.distanceThreshold, margin: options.margin };
  const { runtime, engine, fallbackReason } = networks;
  return new FaceApiRecognizer(embedder, galleries, rules, { runtime, engine, ...(fallbackReason ? { fallbackReason } : {}) });
}

/**
 * Enrollment for the web tier: descriptors are computed in a worker thread, started (and the model loaded
 * in it) on the first photo, so the web tier's main thread keeps serving requests meanwhile. The idle
 * thread does not keep the process alive.
 */
export function createGalleryAdmin(store: ObjectStore, bucket: string, runtime: RuntimeChoice = {}): GalleryAdmin {
  return new GalleryAdmin(store, bucket, new ThreadedFaceEmbedder({ runtime }));
}
