/**
 * FaceNetworks on face-api itself, on tfjs's wasm backend (model.ts). The frame becomes one int32 tensor;
 * passes slice and mirror-pad it; landmarks come from face-api's own chain fed with our boxes, and each face's
 * descriptor from face-api's recognition net on the chip both runtimes cut (face-chip.ts).
 */
import type { Tensor3D } from '@tensorflow/tfjs';
import type { RgbPixels } from './decode.js';
import type { DetectionPass } from './detection-plan.js';
import { CHIP_SIDE, chipTransformFor, sampleChip, type ChipPoint } from './face-chip.js';
import type { FoundBox } from './face-boxes.js';
import { inFramePixels, mirrorMarginsFor, passBorder, type DescribedFace, type FaceNetworks, type FrameNetworks, type ScoredFace } from './face-networks.js';
import { loadFaceModel, type FaceModel } from './model.js';

class WasmFrameNetworks implements FrameNetworks {
  constructor(
    private readonly model: FaceModel,
    private readonly frame: Tensor3D,
    private readonly pixels: RgbPixels,
  ) {}

  async detect(pass: DetectionPass, scoreThreshold: number): Promise<ScoredFace[]> {
    const { faceapi, tf } = this.model;
    const { frame } = this;
    const { region } = pass;
    const { x: borderX, y: borderY } = passBorder(pass);
    const isWhole = region.width === frame.shape[1] && region.height === frame.shape[0];
    // The whole frame unbordered is used as it is (no copy); anything else is a tensor of this pass's own.
    const input = tf.tidy(() => {
      const part = isWhole ? frame : tf.slice(frame, [region.y, region.x, 0], [region.height, region.width, 3]);
      if (borderX === 0 && borderY === 0) return part;
      // 'symmetric' repeats the edge pixel, as the decoder's mirror padding does.
      return tf.mirrorPad(part, [[borderY, borderY], [borderX, borderX], [0, 0]], 'symmetric');
    });
    try {
      const options = new faceapi.TinyFaceDetectorOptions({ inputSize: pass.inputSize, scoreThreshold });
      const detections = await faceapi.detectAllFaces(input as never, options);
      const found = detections.map(({ box, score }) => ({ box: { x: box.x, y: box.y, width: box.width, height: box.height }, score }));
      return inFramePixels(found, pass);
    } finally {
      if (input !== frame) input.dispose();
    }
  }

  async describe(boxes: readonly FoundBox[]): Promise<DescribedFace[]> {
    if (boxes.length === 0) return [];
    const { faceapi, tf } = this.model;
    const { frame } = this;
    const [height, width] = frame.shape;
    const m = mirrorMarginsFor(boxes, width, height);
    const bordered = m.left + m.top + m.right + m.bottom > 0;
    const input = bordered ? tf.mirrorPad(frame, [[m.top, m.bottom], [m.left, m.right], [0, 0]], 'symmetric') : frame;
    try {
      const [inputHeight, inputWidth] = input.shape;
      const sources = boxes.map(({ box, score }) => {
        const relative = new faceapi.Rect(
          (box.x + m.left) / inputWidth,
          (box.y + m.top) / inputHeight,
          box.width / inputWidth,
          box.height / inputHeight,
        );
        return { detection: new faceapi.FaceDetection(score, relative, { width: inputWidth, height: inputHeight }) };
      });
      const results = await new faceapi.DetectAllFaceLandmarksTask(Promise.resolve(sources), input as never, false);
      // Read the box back from each result: face-api may drop a face it could not place landmarks on.
      const described: DescribedFace[] = [];
      for (const { detection, landmarks } of results) {
        const points = landmarks.positions.map((p) => ({ x: p.x - m.left, y: p.y - m.top }));
        described.push({
          box: { x: detection.box.x - m.left, y: detection.box.y - m.top, width: detection.box.width, height: detection.box.height },
          score: detection.score,
          descriptor: await this.descriptorOf(points),
          landmarks: points,
        });
      }
      return described;
    } finally {
      if (bordered) input.dispose();
    }
  }

  /** face-api's recognition net on the face's chip (float RGB, 150 × 150: fed as it is, no resize). */
  private async descriptorOf(landmarks: readonly ChipPoint[]): Promise<Float32Array> {
    const { faceapi } = this.model;
    const chip = faceapi.tf.tensor3d(sampleChip(this.pixels, chipTransformFor(landmarks)), [CHIP_SIDE, CHIP_SIDE, 3], 'float32');
    try {
      return (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip as never)) as Float32Array;
    } finally {
      chip.dispose();
    }
  }

  release(): void {
    this.frame.dispose();
  }
}

/** Loads face-api on tfjs-wasm (once per process). Throws ModelUnavailableError when wasm cannot be used. */
export async function loadWasmFaceNetworks(): Promise<FaceNetworks> {
  const model = await loadFaceModel();
  const version = (model.tf as unknown as { version_core?: string }).version_core ?? 'unknown';
  return {
    runtime: 'wasm',
    engine: `tfjs-wasm ${version} (SIMD, 1 thread)`,
    open(pixels: RgbPixels): FrameNetworks {
      const { data, width, height } = pixels;
      const tensor = model.faceapi.tf.tensor3d(new Int32Array(data), [height, width, 3], 'int32') as unknown as Tensor3D;
      return new WasmFrameNetworks(model, tensor, pixels);
    },
  };
}
