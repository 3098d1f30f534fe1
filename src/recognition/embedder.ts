/**
 * Image bytes -> the faces in it, each with its box, detector score and 128-d descriptor.
 * Tiny face detector + 68-point landmarks + recognition net, on the runtime face-runtime.ts chose.
 */
import type { FaceBox } from '../ports/recognizer.js';
import { DEFAULT_FRAMING, decodeForDetection, toOriginalBox, toOriginalPoint, type DetectionFrame, type FramingSettings } from './decode.js';
import { planDetection, type FrameSize, type MultiScaleSettings } from './detection-plan.js';
import type { FaceNetworks } from './face-networks.js';
import { loadFaceNetworks, type RuntimeChoice } from './face-runtime.js';
import { MultiScaleDetector } from './multi-scale-detector.js';

export interface EmbeddedFace {
  /** In the original (EXIF-oriented) image's pixels. */
  readonly box: FaceBox;
  readonly score: number;
  readonly descriptor: Float32Array;
  /** The 68 landmark points, in the original image's pixels (absent from the enrollment threads' answers). */
  readonly landmarks?: readonly { readonly x: number; readonly y: number }[];
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

export interface DetectorSettings extends MultiScaleSettings {
  /** Detections scoring below this are ignored. */
  readonly scoreThreshold: number;
  readonly framing: FramingSettings;
}

/**
 * Measured on seed-data: inputSize 160 on mirror-padded small frames finds the face of every 64 px course
 * image (lowest score 0.58; 128 and 192 miss or score lower) while 27 no-face images (flat colors, noise,
 * background crops of the demo photos, 64-640 px) give no detection even at 0.1. 0.4 keeps headroom on
 * both sides. Images of 160 px and more get the finer passes of detection-plan.ts down to 40 px faces, in
 * at most 12 tiles: photos up to about 1000 px reach 40 px faces, 1920 px photos 75 px, and a 2048 px
 * working frame (larger photos are shrunk to it) 80 px, about 160 px in a 4000 px photo. 16 tiles would
 * reach 62-73 px there but cost 5.1x the model time of one whole-frame pass on 1920 px group photos, 12 tiles 4.8x.
 * A crop of one face where 160 finds nothing is tried at 128, 96, then 224: on the 2000 small probes of
 * bench/accuracy/small-probes.ts (48-96 px, JPEG 40, colour and grey, whole and tight) a face is found in 1922
 * instead of 1834 with 224 alone (48 px: 356 of 400 instead of 304).
 */
export const DEFAULT_DETECTOR: DetectorSettings = {
  smallInputSize: 160,
  smallFrameMaxSide: 768,
  largeInputSize: 416,
  multiScaleFromSide: 160,
  smallFallbackInputSizes: [128, 96, 224],
  minFaceSide: 40,
  maxTiles: 12,
  scoreThreshold: 0.4,
  framing: DEFAULT_FRAMING,
};

const EDGE_INSET_FRACTION = 0.2;

export class FaceApiEmbedder implements FaceEmbedder {
  private readonly detector: MultiScaleDetector;

  constructor(
    readonly networks: FaceNetworks,
    private readonly settings: DetectorSettings = DEFAULT_DETECTOR,
  ) {
    this.detector = new MultiScaleDetector(settings.scoreThreshold);
  }

  async embed(image: Buffer): Promise<ImageEmbedding> {
    const frame = await decodeForDetection(image, this.settings.framing);
    return this.embedFrame(frame);
  }

  private async embedFrame(frame: DetectionFrame): Promise<ImageEmbedding> {
    const { width, height } = frame.pixels;
    const started = performance.now();
    const nets = this.networks.open(frame.pixels);
    try {
      const plan = planDetection(frameSize(frame), this.settings);
      const boxes = await this.detector.detect(nets, { width, height }, plan, (box) => isInsideImage(box, frame));
      const described = await nets.describe(boxes);
      const faces = described.map(({ box, score, descriptor, landmarks }) => ({
        box: toOriginalBox(box, frame),
        score,
        descriptor,
        landmarks: landmarks.map((point) => toOriginalPoint(point, frame)),
      }));
      faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      const inferenceMs = performance.now() - started;
      return { width: frame.originalWidth, height: frame.originalHeight, faces, inferenceMs };
    } finally {
      nets.release();
    }
  }
}

function frameSize(frame: DetectionFrame): FrameSize {
  const { width, height } = frame.pixels;
  const originalLongSide = Math.max(frame.originalWidth, frame.originalHeight);
  return { width, height, originalLongSide, hasBorder: frame.padX > 0 || frame.padY > 0 };
}

/**
 * Faces centered in the mirrored border are reflections of a face in the image, and faces whose center
 * lies within a fifth of their width of the image's edge are mostly outside it (a neighbour cut by the crop).
 */
function isInsideImage(box: FaceBox, frame: DetectionFrame): boolean {
  const inset = box.width * EDGE_INSET_FRACTION;
  const cx = box.x + box.width / 2 - frame.padX;
  const cy = box.y + box.height / 2 - frame.padY;
  const width = frame.pixels.width - 2 * frame.padX;
  const height = frame.pixels.height - 2 * frame.padY;
  return cx >= inset && cy >= inset && cx <= width - inset && cy <= height - inset;
}

/** Loads the nets on the chosen runtime (once per process and runtime) and returns an embedder on them. */
export async function createFaceEmbedder(
  runtime: RuntimeChoice = {},
  settings: DetectorSettings = DEFAULT_DETECTOR,
): Promise<FaceApiEmbedder> {
  return new FaceApiEmbedder(await loadFaceNetworks(runtime), settings);
}

/** An embedder that loads the model on its first use (for the web tier, which rarely enrolls). */
export function lazyFaceEmbedder(runtime: RuntimeChoice = {}, settings: DetectorSettings = DEFAULT_DETECTOR): FaceEmbedder {
  let embedder: Promise<FaceApiEmbedder> | undefined;
  return {
    async embed(image: Buffer): Promise<ImageEmbedding> {
      embedder ??= createFaceEmbedder(runtime, settings).catch((error: unknown) => {
        embedder = undefined; // let a later call try again
        throw error;
      });
      return (await embedder).embed(image);
    },
  };
}
