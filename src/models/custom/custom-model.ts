/**
 * The user's own image classifier (a folder: TensorFlow.js or ONNX, see model-folder.ts) behind the ImageModel
 * port. At load its input is checked to be an image, it runs once on a blank image and its output must have
 * one score per label: a bad model fails at start, with the file and the reason, never at the first request.
 */
import { ModelUnavailableError } from '../../domain/errors.js';
import type { Classification, ImageModel, LabelScore, ModelInfo } from '../../ports/image-model.js';
import { decodeForModel, inputValues, type InputSpec } from '../image-input.js';
import { inspectForWorker, type ModelFolder, type ModelSettings } from './model-folder.js';
import { loadRunner, type ModelRunner } from './runners.js';

type Triple = readonly [number, number, number];

function triple(value: number | Triple | undefined, fallback: Triple): Triple {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? [value, value, value] : value;
}

function describeShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}

/** The layout the shape says (channels of 3 last or second), or the one the settings give. */
function layoutOf(shape: readonly (number | null)[], settings: ModelSettings, file: string): InputSpec['layout'] {
  if (shape.length !== 4) {
    throw new ModelUnavailableError(`${file}: input shape ${describeShape(shape)} is not an image (expected [1, height, width, 3] or [1, 3, height, width])`);
  }
  const layout = settings.layout ?? (shape[3] === 3 ? 'NHWC' : shape[1] === 3 ? 'NCHW' : undefined);
  const channels = layout === 'NHWC' ? shape[3] : shape[1];
  if (layout === undefined || (channels !== null && channels !== 3)) {
    throw new ModelUnavailableError(`${file}: input shape ${describeShape(shape)} is not an RGB image (no dimension of 3 channels where the layout puts it)`);
  }
  return layout;
}

/** The input spec from the model's shape and the folder's settings; refuses what is not an image input. */
export function resolveInputSpec(shape: readonly (number | null)[], folder: Pick<ModelFolder, 'settings' | 'teachableMachine' | 'modelFile'>): InputSpec {
  const { settings, modelFile } = folder;
  const layout = layoutOf(shape, settings, modelFile);
  const [modelHeight, modelWidth] = layout === 'NHWC' ? [shape[1], shape[2]] : [shape[2], shape[3]];
  const height = modelHeight ?? settings.height ?? settings.imageSize;
  const width = modelWidth ?? settings.width ?? settings.imageSize;
  if (height === undefined || width === undefined) {
    throw new ModelUnavailableError(`${modelFile}: the input's size is open (${describeShape(shape)}): give "imageSize" (or "width" and "height") in the model's settings`);
  }
  // Teachable Machine's models take −1..1; others 0..1 unless the settings say otherwise.
  const defaultStd = folder.teachableMachine ? 127.5 : 255;
  const defaultMean = folder.teachableMachine ? 127.5 : 0;
  return {
    width,
    height,
    layout,
    channels: settings.channels ?? 'RGB',
    mean: triple(settings.mean, [defaultMean, defaultMean, defaultMean]),
    std: triple(settings.std, [defaultStd, defaultStd, defaultStd]),
    fit: settings.fit === 'cover' || settings.fit === undefined ? 'cover' : settings.fit,
  };
}

/** Probabilities from the output: as they are when they already sum to 1 (or the settings say so), else softmax. */
export function toProbabilities(output: Float32Array, scores: ModelSettings['scores'] = 'auto'): number[] {
  const values = Array.from(output);
  const sum = values.reduce((a, b) => a + b, 0);
  const isDistribution = values.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3;
  if (scores === 'probabilities' || (scores === 'auto' && isDistribution)) return values;
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

class CustomImageModel implements ImageModel {
  private readonly dims: readonly number[];

  constructor(
    private readonly runner: ModelRunner,
    private readonly spec: InputSpec,
    private readonly folder: ModelFolder,
    private readonly info: ModelInfo,
  ) {
    this.dims = spec.layout === 'NHWC' ? [1, spec.height, spec.width, 3] : [1, 3, spec.height, spec.width];
  }

  describe(): ModelInfo {
    return this.info;
  }

  async classify(image: Buffer): Promise<Classification> {
    const frame = await decodeForModel(image, this.spec);
    const started = performance.now();
    const output = await this.runner.run(inputValues(frame.rgb, this.spec), this.dims);
    const inferenceMs = performance.now() - started;
    const probabilities = toProbabilities(output, this.folder.settings.scores);
    const labels: LabelScore[] = this.folder.labels
      .map((label, i) => ({ label, score: Math.round((probabilities[i] ?? 0) * 10_000) / 10_000 }))
      .sort((a, b) => b.score - a.score);
    return { label: labels[0]!.label, labels, boxes: [], width: frame.originalWidth, height: frame.originalHeight, inferenceMs };
  }

  /** One run on a blank input: finds unsupported ops and a wrong output size now. */
  async check(): Promise<void> {
    const size = this.dims.reduce((a, b) => a * b, 1);
    let output: Float32Array;
    try {
      output = await this.runner.run(new Float32Array(size), this.dims);
    } catch (error) {
      throw new ModelUnavailableError(`${this.folder.modelFile}: the model fails on a ${describeShape(this.dims)} input: ${(error as Error).message}`, { cause: error });
    }
    if (output.length !== this.folder.labels.length) {
      throw new ModelUnavailableError(`${this.folder.modelFile}: the model gives ${output.length} scores but there are ${this.folder.labels.length} labels (${this.folder.labels.join(', ')})`);
    }
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}

/** Loads and checks the model of `dir`; ModelUnavailableError saying what is wrong. */
export async function createCustomModel(dir: string, options: { threads: number }): Promise<ImageModel> {
  const folder = inspectForWorker(dir);
  const runner = await loadRunner(folder, options);
  try {
    const spec = resolveInputSpec(runner.inputShape, folder);
    const info: ModelInfo = { name: folder.name, version: folder.format, kind: 'custom', labels: folder.labels, runtime: runner.runtime };
    const model = new CustomImageModel(runner, spec, folder, info);
    await model.check();
    return model;
  } catch (error) {
    await runner.close().catch(() => undefined);
    throw error;
  }
}
