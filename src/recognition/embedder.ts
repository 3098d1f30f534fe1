/**
 * Image bytes -> the faces in it, each with its box, detector score and 128-d descriptor.
 * Tiny face detector + 68-point landmarks + recognition net, on tfjs wasm.
 */
import type { FaceBox } from '../ports/recognizer.js';
import { DEFAULT_FRAMING, decodeForDetection, toOriginalBox, type DetectionFrame, type FramingSettings } from './decode.js';
import { loadFaceModel, type FaceModel } from './model.js';

export interface EmbeddedFace {
  /** In the original (EXIF-oriented) image's pixels. */
  readonly box: FaceBox;
  readonly score: number;
  readonly descriptor: Float32Array;
}

export interface ImageEmbedding {
  readonly width: number;
  readonly height: number;
  /** Largest face first. */
  readonly faces: readonly EmbeddedFace[];
  /** Milliseconds spent in the model (detection, landmarks, descriptors), decoding excluded. */
  readonly inferenceMs: number;
}

/** Anything that turns image bytes into faces with descriptors (the real model, or a lazy wrapper of it). */
export interface FaceEmbedder {
  /** Throws UnsupportedMediaError when the bytes are not a decodable image. */
  embed(image: Buffer): Promise<ImageEmbedding>;
}

export interface DetectorSettings {
  /** Tiny detector input size (multiple of 32) for frames whose longer side is at most `smallFrameMaxSide`. */
  readonly smallInputSize: number;
  readonly smallFrameMaxSide: number;
  /** Input size for larger frames (group photos), where faces are a smaller part of the picture. */
  readonly largeInputSize: number;
  /** Detections scoring below this are ignored. */
  readonly scoreThreshold: number;
  readonly framing: FramingSettings;
}

/**
 * Measured on seed-data: inputSize 160 on mirror-padded small frames finds the face of every 64 px course
 * image (lowest score 0.58; 128 and 192 miss or score lower) while 27 no-face images (flat colors, noise,
 * background crops of the demo photos, 64-640 px) give no detection even at 0.1. 0.4 keeps headroom on
 * both sides. 416 finds the faces of face-api's 1920 px demo group photos.
 */
export const DEFAULT_DETECTOR: DetectorSettings = {
  smallInputSize: 160,
  smallFrameMaxSide: 768,
  largeInputSize: 416,
  scoreThreshold: 0.4,
  framing: DEFAULT_FRAMING,
};

export class FaceApiEmbedder implements FaceEmbedder {
  constructor(
    private readonly model: FaceModel,
    private readonly settings: DetectorSettings = DEFAULT_DETECTOR,
  ) {}

  async embed(image: Buffer): Promise<ImageEmbedding> {
    const frame = await decodeForDetection(image, this.settings.framing);
    return this.embedFrame(frame);
  }

  private async embedFrame(frame: DetectionFrame): Promise<ImageEmbedding> {
    const { faceapi } = this.model;
    const { data, width, height } = frame.pixels;
    const started = performance.now();
    const input = faceapi.tf.tensor3d(new Int32Array(data), [height, width, 3], 'int32');
    try {
      const options = new faceapi.TinyFaceDetectorOptions({
        inputSize: this.inputSizeFor(width, height),
        scoreThreshold: this.settings.scoreThreshold,
      });
      const found = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
      const faces = found
        .filter(({ detection }) => isCenteredInImage(detection.box, frame))
        .map(({ detection, descriptor }) => ({
          box: toOriginalBox(detection.box, frame),
          score: detection.score,
          descriptor,
        }));
      faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      return { width: frame.originalWidth, height: frame.originalHeight, faces, inferenceMs: performance.now() - started };
    } finally {
      input.dispose();
    }
  }

  private inputSizeFor(width: number, height: number): number {
    const small = Math.max(width, height) <= this.settings.smallFrameMaxSide;
    return small ? this.settings.smallInputSize : this.settings.largeInputSize;
  }
}

/** Faces centered in the mirrored border are reflections of a face in the image (or of half of one). */
function isCenteredInImage(box: FaceBox, frame: DetectionFrame): boolean {
  const cx = box.x + box.width / 2 - frame.padX;
  const cy = box.y + box.height / 2 - frame.padY;
  const width = frame.pixels.width - 2 * frame.padX;
  const height = frame.pixels.height - 2 * frame.padY;
  return cx >= 0 && cy >= 0 && cx <= width && cy <= height;
}

/** Loads the model (once per process) and returns an embedder on it. */
export async function createFaceEmbedder(settings: DetectorSettings = DEFAULT_DETECTOR): Promise<FaceApiEmbedder> {
  return new FaceApiEmbedder(await loadFaceModel(), settings);
}

/** An embedder that loads the model on its first use (for the web tier, which rarely enrolls). */
export function lazyFaceEmbedder(settings: DetectorSettings = DEFAULT_DETECTOR): FaceEmbedder {
  let embedder: Promise<FaceApiEmbedder> | undefined;
  return {
    async embed(image: Buffer): Promise<ImageEmbedding> {
      embedder ??= createFaceEmbedder(settings).catch((error: unknown) => {
        embedder = undefined; // let a later call try again
        throw error;
      });
      return (await embedder).embed(image);
    },
  };
}
