/**
 * Image bytes in, labels with scores out: the one interface the app tier runs, whatever the model (the face
 * pipeline with its gallery, the built-in objects detector, or the user's own classifier).
 */
import type { FaceBox } from './recognizer.js';

/** The kinds of model a deployment can serve (config `model.kind`, validated against this list). */
export const MODEL_KINDS = ['face', 'objects', 'custom'] as const;
/** Which kind of model a deployment serves (config `model.kind`). */
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The model and enrollment pipeline a gallery was enrolled with (see src/recognition/model-identity.ts). */
export interface GalleryModel {
  readonly model: string;
  readonly version: string;
  readonly enrollment: number;
}

/** What a model that names subjects from a gallery (the face model) says about the gallery it loaded. */
export interface GalleryInfo {
  /** The model the loaded gallery records; undefined before loading and for a gallery that records none. */
  readonly loadedModel: GalleryModel | undefined;
}

export interface ModelInfo {
  /** e.g. `face-api`, `centernet-coco`, or the custom model's folder name. */
  readonly name: string;
  readonly version: string;
  readonly kind: ModelKind;
  /** The labels the model can answer; empty when they are not fixed (the face model's are the enrolled subjects). */
  readonly labels: readonly string[];
  /** What runs it, as the worker reports it in /v1/status: e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`. */
  readonly runtime: string;
  /** Present for a model that matches against a gallery (the face model); absent for the others. */
  readonly gallery?: GalleryInfo;
}

export interface LabelScore {
  readonly label: string;
  /** 0..1: a class probability, a detector score. */
  readonly score: number;
}

/** One region the model found (a face, an object). */
export interface LabelledBox extends LabelScore {
  /** Pixels of the image after its EXIF orientation. */
  readonly box: FaceBox;
  /** The face model's descriptor distance to the best subject (null with an empty gallery); absent for others. */
  readonly distance?: number | null;
  /** The face model's nearest subject, also for an `Unknown` face; absent for others and with an empty gallery. */
  readonly nearest?: string;
}

export interface Classification {
  /** The answer of the seed contract: the top label (the largest face's, the best object's, the best class). */
  readonly label: string;
  /** Every label the model gave, best first (for detectors: the best score of each label). */
  readonly labels: readonly LabelScore[];
  /** Regions, for models that locate what they name; empty for whole-image classifiers. */
  readonly boxes: readonly LabelledBox[];
  readonly width: number;
  readonly height: number;
  /** Milliseconds spent in the model for this image. */
  readonly inferenceMs: number;
}

/** What a request says beside its image. */
export interface ClassifyContext {
  /** The collection whose gallery a gallery-matching model (the face model) names faces from; absent: the default. Other models ignore it. */
  readonly collection?: string;
}

export interface ImageModel {
  describe(): ModelInfo;
  /** Throws UnsupportedMediaError when the bytes are not a decodable image. */
  classify(image: Buffer, context?: ClassifyContext): Promise<Classification>;
  /** Present for the face model only: detection with landmarks and verification (the other kinds have none). */
  readonly faces?: FaceAnalysis;
  close(): Promise<void>;
}

/** A point in pixels of the image (after its EXIF orientation). */
export interface ImagePoint {
  readonly x: number;
  readonly y: number;
}

/** One face a detection found: no gallery involved. */
export interface DetectedFace {
  readonly box: FaceBox;
  /** The detector's confidence, 0..1. */
  readonly score: number;
  /**
   * 0..1: the detector's score times how well the face's size serves a descriptor (its shorter side over the
   * size the descriptor net is fed, capped at 1; see src/recognition/face-quality.ts).
   */
  readonly quality: number;
  /** face-api's 68 landmark points (dlib's order: jaw 0-16, brows, nose 27-35, eyes 36-47, mouth 48-67). */
  readonly landmarks: readonly ImagePoint[];
  /** Five key points derived from them: left eye, right eye (centers), nose tip, left and right mouth corner. */
  readonly keyPoints: readonly ImagePoint[];
}

export interface FaceDetections {
  readonly width: number;
  readonly height: number;
  /** Largest face first. */
  readonly faces: readonly DetectedFace[];
  readonly inferenceMs: number;
}

/** The other side of a verification: a second photo, or an enrolled subject of the gallery. */
export type VerificationTarget =
  | { readonly image: Buffer }
  /** `collection`: whose gallery holds the subject; absent: the default collection. */
  | { readonly subject: string; readonly collection?: string };

export interface Verification {
  /** distance ≤ threshold. */
  readonly same: boolean;
  /** Between the largest face of the photo and the target's (a photo's largest face, or the subject's nearest example). */
  readonly distance: number;
  /** The configured rule's distance threshold (config recognition.distanceThreshold). */
  readonly threshold: number;
  /** Faces found in each photo (the second is absent for a subject). */
  readonly faces: { readonly source: number; readonly target?: number };
  readonly inferenceMs: number;
}

/**
 * What a face model does besides classify: detect faces with landmarks and verify one face against another.
 * Throws NoFaceError naming the photo without a face, NotFoundError for a subject not enrolled.
 */
export interface FaceAnalysis {
  detect(image: Buffer): Promise<FaceDetections>;
  verify(image: Buffer, target: VerificationTarget): Promise<Verification>;
}
