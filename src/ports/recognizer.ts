/** Image bytes in, who is in the picture out. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RecognizedFace {
  readonly box: FaceBox;
  /** Detector confidence, 0..1. */
  readonly score: number;
  /** Subject name, or `Unknown` when no enrolled subject matches. */
  readonly label: string;
  /** Descriptor distance to the nearest example of the best subject; null with an empty gallery. */
  readonly distance: number | null;
  /** The nearest subject, whether or not it was accepted; absent with an empty gallery. */
  readonly nearest?: string;
}

export interface RecognitionResult {
  /** The largest face's label, or `NoFace` when no face was found. */
  readonly label: string;
  readonly faces: readonly RecognizedFace[];
  readonly width: number;
  readonly height: number;
  /** Milliseconds spent in the model for this image. */
  readonly inferenceMs: number;
}

export { NO_FACE_LABEL, UNKNOWN_LABEL } from '../domain/naming.js';

export interface Recognizer {
  /**
   * Names the faces from the gallery of `collection` (default: the default collection's).
   * Throws UnsupportedMediaError when the bytes are not a decodable image.
   */
  recognize(image: Buffer, collection?: string): Promise<RecognitionResult>;
  close(): Promise<void>;
}
