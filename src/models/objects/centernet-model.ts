/**
 * The built-in objects model: CenterNet (MobileNetV3, COCO's 80 classes) from `@vladmandic/human`'s models/
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
import type { Classification, ImageModel, ModelInfo } from '../../ports/image-model.js';
import { startWasmBackend } from '../../recognition/model.js';
import { decodeForModel, toImageBox, type InputSpec } from '../image-input.js';
import { folderHandler } from '../tfjs-files.js';
import { COCO_LABELS, NO_OBJECT_LABEL } from './coco-labels.js';
import { bestScorePerLabel, nonMaxSuppression, readDetectionRows } from './detections.js';

type Tf = typeof TfModule;

export const HUMAN_PACKAGE = '@vladmandic/human';
const INPUT_SIZE = 512;
const OUTPUT = 'tower_0/detections';

export interface ObjectsModelOptions {
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

class CenterNetModel implements ImageModel {
  private readonly spec: InputSpec = {
    width: INPUT_SIZE, height: INPUT_SIZE, channels: 'RGB', layout: 'NHWC', mean: [0, 0, 0], std: [1, 1, 1], fit: 'fill',
  };

  constructor(
    private readonly tf: Tf,
    private readonly model: TfModule.GraphModel,
    private readonly info: ModelInfo,
    private readonly options: Required<ObjectsModelOptions>,
  ) {}

  describe(): ModelInfo {
    return this.info;
  }

  /** The detector's raw rows for an RGB frame of INPUT_SIZE² pixels. */
  async detect(rgb: Uint8Array): Promise<Float32Array> {
    const { tf } = this;
    const input = tf.tidy(() => tf.tensor3d(rgb, [INPUT_SIZE, INPUT_SIZE, 3], 'int32').toFloat().expandDims(0));
    const output = this.model.execute(input, OUTPUT) as TfModule.Tensor;
    try {
      return (await output.data()) as Float32Array;
    } finally {
      tf.dispose([input, output]);
    }
  }

  async classify(image: Buffer): Promise<Classification> {
    const frame = await decodeForModel(image, this.spec);
    const started = performance.now();
    const rows = await this.detect(frame.rgb);
    const inferenceMs = performance.now() - started;
    const { minScore, iouThreshold, maxObjects } = this.options;
    const kept = nonMaxSuppression(readDetectionRows(rows, minScore), iouThreshold, maxObjects);
    const boxes = kept.map((d) => ({
      label: COCO_LABELS[d.classId] ?? `class ${d.classId}`,
      score: Math.round(d.score * 1000) / 1000,
      box: toImageBox(frame, d.x1, d.y1, d.x2, d.y2),
    }));
    return {
      label: boxes[0]?.label ?? NO_OBJECT_LABEL, // best score first
      labels: bestScorePerLabel(boxes),
      boxes,
      width: frame.originalWidth,
      height: frame.originalHeight,
      inferenceMs,
    };
  }

  async close(): Promise<void> {
    this.model.dispose();
  }
}

/** Loads CenterNet on the wasm backend and runs it once; ModelUnavailableError when it cannot. */
export async function createObjectsModel(options: ObjectsModelOptions = {}): Promise<ImageModel> {
  const { folder, version } = humanModelsFolder();
  await startWasmBackend();
  const tf = requireFromHere('@tensorflow/tfjs') as Tf;
  let graph: TfModule.GraphModel;
  try {
    graph = await tf.loadGraphModel(folderHandler(tf, folder, 'centernet.json'));
  } catch (error) {
    if (error instanceof ModelUnavailableError) throw error;
    throw new ModelUnavailableError(`cannot load ${join(folder, 'centernet.json')}: ${(error as Error).message}`, { cause: error });
  }
  const info: ModelInfo = {
    name: 'centernet-coco',
    version: `${HUMAN_PACKAGE}@${version}/models/centernet`,
    kind: 'objects',
    labels: COCO_LABELS,
    runtime: `wasm: tfjs ${tf.version_core} (centernet)`,
  };
  const model = new CenterNetModel(tf, graph, info, { minScore: 0.2, iouThreshold: 0.4, maxObjects: 10, ...options });
  await model.detect(new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3)); // warm up: the first run compiles, and fails here rather than on a request
  return model;
}
