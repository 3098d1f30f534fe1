/**
 * The one factory of the ImageModel port: the configuration (`model.kind`, `model.dir`) chooses the model;
 * no caller branches on it.
 */
import type { Config } from '../config/index.js';
import type { ScalefaceError } from '../domain/errors.js';
import type { ImageModel } from '../ports/image-model.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { RuntimeChoice } from '../recognition/face-runtime.js';
import { createCustomModel } from './custom/custom-model.js';
import { createFaceImageModel } from './face-model.js';
import { createObjectsModel } from './objects/objects-model.js';

export { FaceImageModel, classificationOfFaces, faceRuntimeLabel } from './face-model.js';
export { inspectModelFolder } from './custom/model-folder.js';
export type { ModelFolder, ModelSettings } from './custom/model-folder.js';

export interface ImageModelDeps {
  /** The face model's gallery. */
  readonly store: ObjectStore;
  readonly galleryBucket: string;
  /** The face nets' runtime (onnx, wasm, auto) and its threads; the threads also run custom ONNX models. */
  readonly runtime: RuntimeChoice;
  readonly onGalleryError?: (error: ScalefaceError) => void;
  /** Told when the face nets run on wasm because onnxruntime could not load. */
  readonly onRuntimeFallback?: (reason: string) => void;
}

/** Loads the configured model; throws ModelUnavailableError (or the face model's errors) when it cannot. */
export async function createImageModel(config: Config, deps: ImageModelDeps): Promise<ImageModel> {
  const { kind, dir, minScore } = config.model;
  if (kind === 'objects') return createObjectsModel({ minScore });
  if (kind === 'custom') return createCustomModel(dir!, { threads: config.recognition.threads });
  const model = await createFaceImageModel({
    store: deps.store,
    galleryBucket: deps.galleryBucket,
    distanceThreshold: config.recognition.distanceThreshold,
    margin: config.recognition.margin,
    galleryRefreshMs: config.recognition.galleryRefreshMs,
    runtime: deps.runtime,
    ...(deps.onGalleryError === undefined ? {} : { onGalleryError: deps.onGalleryError }),
  });
  const reason = model.recognizer.runtime.fallbackReason;
  if (reason !== undefined) deps.onRuntimeFallback?.(reason);
  return model;
}
