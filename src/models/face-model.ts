/**
 * The face model behind the ImageModel port: the recognizer of src/recognition (detector, descriptor, gallery
 * matching) as it is; faces become labelled boxes, the largest face's label the answer.
 */
import type { Classification, ClassifyContext, FaceAnalysis, ImageModel, ModelInfo } from '../ports/image-model.js';
import type { RecognitionResult } from '../ports/recognizer.js';
import { createFaceRecognizer, type FaceRecognizer, type FaceRecognizerOptions } from '../recognition/index.js';
import { currentModelIdentity } from '../recognition/model-identity.js';

/** What runs the nets, as /v1/status shows it: `onnx: onnxruntime-node 1.30.0 (...)`. */
export function faceRuntimeLabel(recognizer: Pick<FaceRecognizer, 'runtime'>): string {
  const { runtime, engine, fallbackReason } = recognizer.runtime;
  return `${runtime}: ${engine}${fallbackReason === undefined ? '' : ' (fallback)'}`;
}

/** A face recognition result as a classification: every face a labelled box (with its distance), largest first. */
export function classificationOfFaces(result: RecognitionResult): Classification {
  const boxes = result.faces.map((face) => ({ box: face.box, label: face.label, score: face.score, distance: face.distance, ...(face.nearest === undefined ? {} : { nearest: face.nearest }) }));
  return {
    label: result.label,
    labels: boxes.map(({ label, score }) => ({ label, score })),
    boxes,
    width: result.width,
    height: result.height,
    inferenceMs: result.inferenceMs,
  };
}

export class FaceImageModel implements ImageModel {
  constructor(readonly recognizer: FaceRecognizer) {}

  get faces(): FaceAnalysis {
    return this.recognizer.analysis;
  }

  describe(): ModelInfo {
    const identity = currentModelIdentity();
    const gallery = { loadedModel: this.recognizer.gallery.loadedModel };
    return { name: identity.model, version: identity.version, kind: 'face', labels: [], runtime: faceRuntimeLabel(this.recognizer), gallery };
  }

  async classify(image: Buffer, context: ClassifyContext = {}): Promise<Classification> {
    return classificationOfFaces(await this.recognizer.recognize(image, context.collection));
  }

  close(): Promise<void> {
    return this.recognizer.close();
  }
}

/** Loads the face nets and the gallery (see createFaceRecognizer for what it throws). */
export async function createFaceImageModel(options: FaceRecognizerOptions): Promise<FaceImageModel> {
  return new FaceImageModel(await createFaceRecognizer(options));
}
