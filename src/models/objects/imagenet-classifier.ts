/**
 * Darknet Tiny (ImageNet-1k, 4 MB, in assets/darknet-tiny-imagenet with its provenance) on tfjs's wasm backend:
 * 224×224 RGB in 0..1 → a probability per ImageNet class, summed into COCO animals (imagenet-coco.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import { ModelUnavailableError } from '../../domain/errors.js';
import { findShippedFolder } from '../../domain/shipped-files.js';
import { loadBuiltInModel } from '../tfjs-files.js';
import { cocoMasses, standardOrder } from './imagenet-coco.js';

type Tf = typeof TfModule;

export const CLASSIFIER_SIZE = 224;
const ASSET = join('assets', 'darknet-tiny-imagenet');

/** The classifier's folder, found from here whether this runs from src/ or dist/src/. */
export function imageNetClassifierFolder(): string {
  const found = findShippedFolder(ASSET, 'model.json');
  if (found === undefined) throw new ModelUnavailableError(`the ImageNet classifier (${ASSET}/model.json) is missing from this copy of scaleface`);
  return found;
}

export class ImageNetClassifier {
  private constructor(
    private readonly tf: Tf,
    private readonly model: TfModule.LayersModel,
    /** Each output's standard ImageNet index. */
    private readonly toStandard: readonly number[],
  ) {}

  /** Loads the model (the wasm backend must be running) and runs it once; ModelUnavailableError when it cannot. */
  static async load(tf: Tf): Promise<ImageNetClassifier> {
    const folder = imageNetClassifierFolder();
    const wordnetIds = readFileSync(join(folder, 'classes.tsv'), 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t')[0]!);
    const model = await loadBuiltInModel(tf, folder, 'model.json', 'layers');
    const outputs = (model.outputs[0]?.shape ?? []).at(-1);
    if (outputs !== wordnetIds.length) {
      throw new ModelUnavailableError(`${folder}: the model has ${outputs} outputs, classes.tsv ${wordnetIds.length} lines`);
    }
    const classifier = new ImageNetClassifier(tf, model, standardOrder(wordnetIds));
    await classifier.cocoMasses([new Uint8Array(CLASSIFIER_SIZE * CLASSIFIER_SIZE * 3)]); // the first run compiles: here, not on a request
    return classifier;
  }

  /** Probability mass per COCO animal for each RGB frame of CLASSIFIER_SIZE² pixels, run as one batch. */
  async cocoMasses(frames: readonly Uint8Array[]): Promise<Map<string, number>[]> {
    if (frames.length === 0) return [];
    const { tf } = this;
    const side = CLASSIFIER_SIZE;
    const batch = new Uint8Array(frames.length * side * side * 3);
    frames.forEach((frame, index) => batch.set(frame, index * side * side * 3));
    const probabilities = tf.tidy(() => {
      const input = tf.tensor4d(batch, [frames.length, side, side, 3], 'int32').toFloat().div(255);
      return tf.softmax(this.model.predict(input) as TfModule.Tensor2D);
    });
    try {
      const values = (await probabilities.data()) as Float32Array;
      const classes = this.toStandard.length;
      return frames.map((_, index) => cocoMasses(values.subarray(index * classes, (index + 1) * classes), this.toStandard));
    } finally {
      probabilities.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
