/**
 * The objects model's detector: CenterNet (MobileNetV3, COCO's 80 classes) from `@vladmandic/human`'s models/
 * folder, a tfjs graph model run on tfjs's wasm backend. Input 512×512 RGB, 0..255, stretched
 * (as Human feeds it: src/object/centernet.ts resizes to the square); output
 * `tower_0/detections` [1, 100, 6] = x1, y1, x2, y2 (input pixels), score, class id. Post-processing as
 * Human's own (src/object/centernet.ts): score ≥ 0.2, NMS at IoU 0.4 across classes, at most 10 objects.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import { ModelUnavailableError } from '../../domain/errors.js';
import type { LabelledBox } from '../../ports/image-model.js';
import { toImageBox, type ModelFrame } from '../image-input.js';
import { loadBuiltInModel } from '../tfjs-files.js';
import { COCO_LABELS } from './coco-labels.js';
import { nonMaxSuppression, readDetectionRows } from './detections.js';

type Tf = typeof TfModule;

export const HUMAN_PACKAGE = '@vladmandic/human';
export const DETECTOR_INPUT_SIZE = 512;
const OUTPUT = 'tower_0/detections';

export interface DetectorOptions {
  /** Objects scoring less are not reported (Human's default 0.2). */
  readonly minScore?: number;
  readonly iouThreshold?: number;
  readonly maxObjects?: number;
}

const requireFromHere = createRequire(import.meta.url);

/** `<@vladmandic/human>/models` and the package's version; ModelUnavailableError (with the install command) when missing. */
export function humanModelsFolder(): { folder: string; version: string } {
  let root: string;
  try {
    // The package exports neither package.json nor models/: its main file's path (resolved, never loaded: it
    // needs tfjs-node) locates the package.
    root = dirname(dirname(requireFromHere.resolve(HUMAN_PACKAGE)));
  } catch (error) {
    throw new ModelUnavailableError(`the objects model needs the npm package ${HUMAN_PACKAGE}: run npm install (it is a dependency of scaleface)`, { cause: error });
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { folder: join(root, 'models'), version };
}

export class CenterNetDetector {
  private constructor(
    private readonly tf: Tf,
    private readonly model: TfModule.GraphModel,
    private readonly options: Required<DetectorOptions>,
    /** Where the graph came from, e.g. `@vladmandic/human@3.3.6/models/centernet`. */
    readonly version: string,
  ) {}

  /** Loads the graph (the wasm backend must be running) and runs it once: the first run compiles, and fails here rather than on a request. */
  static async load(tf: Tf, options: DetectorOptions = {}): Promise<CenterNetDetector> {
    const { folder, version } = humanModelsFolder();
    const graph = await loadBuiltInModel(tf, folder, 'centernet.json', 'graph');
    const detector = new CenterNetDetector(tf, graph, { minScore: 0.2, iouThreshold: 0.4, maxObjects: 10, ...options }, `${HUMAN_PACKAGE}@${version}/models/centernet`);
    await detector.rows(new Uint8Array(DETECTOR_INPUT_SIZE * DETECTOR_INPUT_SIZE * 3));
    return detector;
  }

  /** The detector's raw rows for an RGB frame of DETECTOR_INPUT_SIZE² pixels. */
  private async rows(rgb: Uint8Array): Promise<Float32Array> {
    const { tf } = this;
    const input = tf.tidy(() => tf.tensor3d(rgb, [DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE, 3], 'int32').toFloat().expandDims(0));
    const output = this.model.execute(input, OUTPUT) as TfModule.Tensor;
    try {
      return (await output.data()) as Float32Array;
    } finally {
      tf.dispose([input, output]);
    }
  }

  /** The objects in a stretched frame, best score first, boxed in the image's pixels. */
  async detect(frame: ModelFrame): Promise<LabelledBox[]> {
    const { minScore, iouThreshold, maxObjects } = this.options;
    const kept = nonMaxSuppression(readDetectionRows(await this.rows(frame.rgb), minScore), iouThreshold, maxObjects);
    return kept.map((d) => ({
      label: COCO_LABELS[d.classId] ?? `class ${d.classId}`,
      score: Math.round(d.score * 1000) / 1000,
      box: toImageBox(frame, d.x1, d.y1, d.x2, d.y2),
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}
