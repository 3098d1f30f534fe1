/**
 * Runs a detection plan (detection-plan.ts) with face-api's tiny face detector and returns one box per
 * face, in frame pixels. Every pass works on a slice of one frame tensor, so the image is converted once.
 */
import { setImmediate } from 'node:timers/promises';
import type { Tensor3D } from '@tensorflow/tfjs';
import type { FaceBox } from '../ports/recognizer.js';
import type { DetectionPass, DetectionPlan } from './detection-plan.js';
import { dropUnconfirmedSmallBoxes, isCutByTileEdge, mergeFoundBoxes, type FoundBox } from './face-boxes.js';
import type { FaceModel } from './model.js';

export class MultiScaleDetector {
  constructor(
    private readonly model: FaceModel,
    private readonly scoreThreshold: number,
  ) {}

  /**
   * `frame` is the [height, width, 3] tensor of the whole frame; it is not disposed here. Boxes that
   * `isWanted` rejects (reflections in a mirrored border, faces mostly outside the picture) are dropped
   * before deciding whether the fallbacks run.
   */
  async detect(frame: Tensor3D, plan: DetectionPlan, isWanted: (box: FaceBox) => boolean = () => true): Promise<FoundBox[]> {
    const [height, width] = frame.shape;
    const size = { width, height };
    let ran = plan.passes;
    const found = (await this.runPasses(frame, ran, size, 0)).filter((hit) => isWanted(hit.box));
    if (found.length === 0 && plan.fallbacks.length > 0) {
      const more = await this.runPasses(frame, plan.fallbacks, size, ran.length);
      found.push(...more.filter((hit) => isWanted(hit.box)));
      ran = [...ran, ...plan.fallbacks];
    }
    return mergeFoundBoxes(dropUnconfirmedSmallBoxes(found, ran));
  }

  private async runPasses(
    frame: Tensor3D,
    passes: readonly DetectionPass[],
    size: { width: number; height: number },
    firstIndex: number,
  ): Promise<FoundBox[]> {
    const found: FoundBox[] = [];
    for (const [offset, pass] of passes.entries()) {
      // Between passes, let timers run: a group photo takes 1-2 s of passes, and the worker's visibility
      // heartbeat (a third of the visibility timeout) must not wait for all of them. A one-pass image never yields.
      if (firstIndex + offset > 0) await setImmediate();
      for (const hit of await this.runPass(frame, pass)) {
        if (!isCutByTileEdge(hit.box, pass, size)) found.push({ ...hit, passIndex: firstIndex + offset });
      }
    }
    return found;
  }

  /** The pass's boxes in frame pixels. */
  private async runPass(frame: Tensor3D, pass: DetectionPass): Promise<{ box: FaceBox; score: number }[]> {
    const { faceapi, tf } = this.model;
    const { region } = pass;
    const borderX = Math.round(region.width * pass.borderFraction);
    const borderY = Math.round(region.height * pass.borderFraction);
    const isWhole = region.width === frame.shape[1] && region.height === frame.shape[0];
    // The whole frame unbordered is used as it is (no copy); anything else is a tensor of this pass's own.
    const input = tf.tidy(() => {
      const part = isWhole ? frame : tf.slice(frame, [region.y, region.x, 0], [region.height, region.width, 3]);
      if (borderX === 0 && borderY === 0) return part;
      // 'symmetric' repeats the edge pixel, as the decoder's mirror padding does.
      return tf.mirrorPad(part, [[borderY, borderY], [borderX, borderX], [0, 0]], 'symmetric');
    });
    try {
      const options = new faceapi.TinyFaceDetectorOptions({ inputSize: pass.inputSize, scoreThreshold: this.scoreThreshold });
      const detections = await faceapi.detectAllFaces(input as never, options);
      return detections.map(({ box, score }) => ({
        box: { x: box.x - borderX + region.x, y: box.y - borderY + region.y, width: box.width, height: box.height },
        score,
      }));
    } finally {
      if (input !== frame) input.dispose();
    }
  }
}
