/**
 * FaceNetworks on onnxruntime-node: face-api's nets as ONNX graphs (face-graphs.ts), with face-api's
 * input preparation (image-input.ts) and arithmetic (face-api-geometry.ts) in TypeScript; one run per
 * detection pass, one batched run for all landmarks and one for all descriptors of a frame.
 * onnxruntime-node runs a net synchronously on the calling thread (plus its intra-op pool), so a net blocks
 * the event loop for its few milliseconds, as tfjs-wasm did for longer.
 */
import { createRequire } from 'node:module';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelUnavailableError } from '../../domain/errors.js';
import type { RgbPixels } from '../decode.js';
import type { DetectionPass } from '../detection-plan.js';
import type { FoundBox } from '../face-boxes.js';
import { inFramePixels, mirrorMarginsFor, passBorder, type DescribedFace, type FaceNetworks, type FrameNetworks, type ScoredFace } from '../face-networks.js';
import { clipAtImageBorders, decodeDetections, landmarksToImage, type PixelRect } from './face-api-geometry.js';
import { cropView, mirrorBorder, padToSquare, viewHeight, viewWidth, wholeFrame, writeNetInput, type FrameView, type Normalization } from './image-input.js';
import { CHIP_SIDE, chipTransformFor, sampleChip, type ChipPoint } from '../face-chip.js';
import { faceGraphSources } from './model-cache.js';
import { machineKey, openOptimizedSession } from './optimized-sessions.js';

type Ort = typeof import('onnxruntime-node');

const DETECTOR_NORM: Normalization = { mean: [117.001, 114.697, 97.404], divisor: 255 };
/** FaceFeatureExtractor and FaceRecognitionNet use the same means. */
const FACE_NORM: Normalization = { mean: [122.782, 117.001, 104.298], divisor: 255 };
const LANDMARK_INPUT = 112;

export interface OnnxRuntimeOptions {
  /** Threads per net (onnxruntime's intra-op pool). */
  readonly threads: number;
  /** Where built graphs are kept between starts; undefined: build in memory each time. */
  readonly cacheDir?: string;
}

interface Sessions {
  readonly ort: Ort;
  readonly detector: InferenceSession;
  readonly landmarks: InferenceSession;
  readonly recognition: InferenceSession;
}

function loadOrt(): Ort {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  } catch (error) {
    throw new ModelUnavailableError('cannot load onnxruntime-node (its native library did not load)', { cause: error });
  }
}

async function runNet(sessions: Sessions, session: InferenceSession, input: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const feeds = { input: new sessions.ort.Tensor('float32', input, dims) as Tensor };
  const results = await session.run(feeds);
  const output = results.output;
  if (output === undefined) throw new ModelUnavailableError(`the ${session.outputNames.join(',')} net gave no output`);
  return output.data as Float32Array;
}

/** A batch of square inputs, one per view, resized to `size`. */
function batchInput(views: readonly FrameView[], size: number, norm: Normalization): Float32Array {
  const item = 3 * size * size;
  const input = new Float32Array(views.length * item);
  views.forEach((view, index) => writeNetInput(padToSquare(view, true), size, norm, input, index * item));
  return input;
}

/** The recognition net's batch: each face's chip (face-chip.ts) as normalized NCHW floats. */
function chipBatch(frame: RgbPixels, faces: readonly (readonly ChipPoint[])[]): Float32Array {
  const plane = CHIP_SIDE * CHIP_SIDE;
  const input = new Float32Array(faces.length * 3 * plane);
  faces.forEach((points, index) => {
    const chip = sampleChip(frame, chipTransformFor(points));
    for (let k = 0; k < 3; k += 1) {
      const mean = FACE_NORM.mean[k]!;
      const at = (index * 3 + k) * plane;
      for (let i = 0; i < plane; i += 1) input[at + i] = (chip[i * 3 + k]! - mean) / FACE_NORM.divisor;
    }
  });
  return input;
}

function hasPixels(rect: PixelRect): boolean {
  return rect.width > 0 && rect.height > 0;
}

class OnnxFrameNetworks implements FrameNetworks {
  private readonly whole: FrameView;

  constructor(
    private readonly sessions: Sessions,
    pixels: RgbPixels,
  ) {
    this.whole = wholeFrame(pixels);
  }

  async detect(pass: DetectionPass, scoreThreshold: number): Promise<ScoredFace[]> {
    const { region, inputSize } = pass;
    const border = passBorder(pass);
    const part = cropView(this.whole, region.x, region.y, region.width, region.height);
    const view = mirrorBorder(part, { left: border.x, top: border.y, right: border.x, bottom: border.y });
    const input = new Float32Array(3 * inputSize * inputSize);
    writeNetInput(padToSquare(view, false), inputSize, DETECTOR_NORM, input);
    const output = await runNet(this.sessions, this.sessions.detector, input, [1, 3, inputSize, inputSize]);
    const cells = Math.round(Math.sqrt(output.length / 25));
    return inFramePixels(decodeDetections(output, cells, inputSize, viewWidth(view), viewHeight(view), scoreThreshold), pass);
  }

  async describe(boxes: readonly FoundBox[]): Promise<DescribedFace[]> {
    if (boxes.length === 0) return [];
    const margins = mirrorMarginsFor(boxes, viewWidth(this.whole), viewHeight(this.whole));
    const view = mirrorBorder(this.whole, margins);
    const [width, height] = [viewWidth(view), viewHeight(view)];
    const shifted = boxes.map(({ box, score }) => ({ box: { ...box, x: box.x + margins.left, y: box.y + margins.top }, score }));
    const faces = shifted
      .map((face) => ({ ...face, crop: clipAtImageBorders(face.box, width, height) }))
      .filter((face) => hasPixels(face.crop));
    if (faces.length === 0) return [];
    const crops = faces.map(({ crop }) => cropView(view, crop.x, crop.y, crop.width, crop.height));
    const landmarkOut = await runNet(this.sessions, this.sessions.landmarks, batchInput(crops, LANDMARK_INPUT, FACE_NORM), [crops.length, 3, LANDMARK_INPUT, LANDMARK_INPUT]);
    const described = faces.map((face, index) => ({ ...face, points: landmarksToImage(landmarkOut, index * 136, face.crop, LANDMARK_INPUT, face.box) }));
    // The chip is sampled from the frame itself (mirrored at its edges), so landmarks go back to frame pixels.
    const inFrame = described.map(({ points }) => points.map((p) => ({ x: p.x - margins.left, y: p.y - margins.top })));
    const input = chipBatch(this.whole.frame, inFrame);
    const descriptors = await runNet(this.sessions, this.sessions.recognition, input, [inFrame.length, 3, CHIP_SIDE, CHIP_SIDE]);
    return described.map(({ box, score }, index) => ({
      box: { ...box, x: box.x - margins.left, y: box.y - margins.top },
      score,
      descriptor: descriptors.slice(index * 128, (index + 1) * 128),
      landmarks: inFrame[index]!,
    }));
  }

  release(): void {
    // Nothing to free: views index the decoded pixels, which the caller owns.
  }
}

/** Every session option but the optimization (see optimized-sessions.ts). */
function sessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Pool threads that spin after a run steal the core the JavaScript thread needs next (measured: 2 spinning
    // threads made a 2-core machine slower than 1 thread).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Builds (or reads from the cache) the three graphs and opens a session on each. Throws
 * ModelUnavailableError when onnxruntime's native library cannot load or a graph is refused.
 */
export async function loadOnnxFaceNetworks(options: OnnxRuntimeOptions): Promise<FaceNetworks> {
  const ort = loadOrt();
  const sources = await faceGraphSources(options.cacheDir);
  const version = ort.env.versions.node ?? 'unknown';
  const optimized = { cacheDir: options.cacheDir, machine: machineKey(version, options.threads), session: sessionOptions(options.threads) };
  let sessions: Sessions;
  try {
    const [detector, landmarks, recognition] = await Promise.all(sources.map((source) => openOptimizedSession(ort, source, optimized)));
    sessions = { ort, detector: detector!, landmarks: landmarks!, recognition: recognition! };
  } catch (error) {
    throw new ModelUnavailableError('onnxruntime could not open the face graphs', { cause: error });
  }
  const threads = options.threads === 1 ? '1 thread' : `${options.threads} threads`;
  return {
    runtime: 'onnx',
    engine: `onnxruntime-node ${version} (${threads} per net)`,
    open: (pixels) => new OnnxFrameNetworks(sessions, pixels),
  };
}
