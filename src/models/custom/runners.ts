/**
 * What runs a custom model: TensorFlow.js (layers or graph) on the wasm backend, or onnxruntime-node. Each
 * runner says its input's shape (null for a symbolic dimension) and turns one input tensor into one output.
 */
import { createRequire } from 'node:module';
import type * as TfModule from '@tensorflow/tfjs';
import type * as OrtModule from 'onnxruntime-node';
import { ModelUnavailableError } from '../../domain/errors.js';
import { startWasmBackend } from '../../runtimes/tfjs-wasm.js';
import { folderHandler } from '../tfjs-files.js';
import type { ModelFolder } from './model-folder.js';

type Tf = typeof TfModule;
type Ort = typeof OrtModule;

export interface ModelRunner {
  /** The one input's shape, batch included; null where the model leaves a dimension open. */
  readonly inputShape: readonly (number | null)[];
  /** e.g. `onnx: onnxruntime-node 1.30.0 (1 thread)`. */
  readonly runtime: string;
  run(values: Float32Array, dims: readonly number[]): Promise<Float32Array>;
  close(): Promise<void>;
}

const requireFromHere = createRequire(import.meta.url);

function shapeOf(dims: readonly (number | string | null | undefined)[]): (number | null)[] {
  return dims.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

function onlyOne(count: number, what: string, file: string): void {
  if (count !== 1) throw new ModelUnavailableError(`${file}: the model has ${count} ${what}s; an image classifier has exactly one`);
}

class TfjsRunner implements ModelRunner {
  constructor(
    private readonly tf: Tf,
    private readonly model: TfModule.LayersModel | TfModule.GraphModel,
    readonly inputShape: readonly (number | null)[],
    readonly runtime: string,
  ) {}

  async run(values: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const input = this.tf.tensor(values, [...dims], 'float32');
    let output: TfModule.Tensor | undefined;
    try {
      const result = this.model.predict(input) as TfModule.Tensor | TfModule.Tensor[];
      output = Array.isArray(result) ? result[0] : result;
      return Float32Array.from(await output!.data());
    } finally {
      this.tf.dispose([input, ...(output === undefined ? [] : [output])]);
    }
  }

  async close(): Promise<void> {
    this.model.dispose();
  }
}

async function loadTfjs(folder: ModelFolder): Promise<ModelRunner> {
  await startWasmBackend();
  const tf = requireFromHere('@tensorflow/tfjs') as Tf;
  const handler = folderHandler(tf, folder.dir);
  let model: TfModule.LayersModel | TfModule.GraphModel;
  try {
    model = folder.format === 'tfjs-graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (error) {
    throw new ModelUnavailableError(`${folder.modelFile}: TensorFlow.js cannot load it: ${(error as Error).message}`, { cause: error });
  }
  const inputs = model.inputs;
  onlyOne(inputs.length, 'input', folder.modelFile);
  onlyOne(model.outputs.length, 'output', folder.modelFile);
  const kind = folder.format === 'tfjs-graph' ? 'graph' : 'layers';
  return new TfjsRunner(tf, model, shapeOf(inputs[0]!.shape ?? []), `wasm: tfjs ${tf.version_core} (${kind} model ${folder.name})`);
}

class OnnxRunner implements ModelRunner {
  constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    readonly inputShape: readonly (number | null)[],
    readonly runtime: string,
  ) {}

  async run(values: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const feeds = { [this.session.inputNames[0]!]: new this.ort.Tensor('float32', values, [...dims]) };
    const outputs = await this.session.run(feeds);
    const output = outputs[this.session.outputNames[0]!]!;
    if (output.type !== 'float32') throw new ModelUnavailableError(`the model's output is ${output.type}, not float32`);
    return output.data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

async function loadOnnx(folder: ModelFolder, threads: number): Promise<ModelRunner> {
  let ort: Ort;
  try {
    ort = requireFromHere('onnxruntime-node') as Ort;
  } catch (error) {
    throw new ModelUnavailableError(`onnxruntime-node cannot load on this machine: ${(error as Error).message}`, { cause: error });
  }
  let session: OrtModule.InferenceSession;
  try {
    session = await ort.InferenceSession.create(folder.modelFile, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new ModelUnavailableError(`${folder.modelFile}: onnxruntime cannot load it: ${(error as Error).message}`, { cause: error });
  }
  onlyOne(session.inputNames.length, 'input', folder.modelFile);
  onlyOne(session.outputNames.length, 'output', folder.modelFile);
  const input = session.inputMetadata[0]!;
  if (!input.isTensor || input.type !== 'float32') {
    await session.release();
    throw new ModelUnavailableError(`${folder.modelFile}: the input "${input.name}" is not a float32 tensor`);
  }
  const runtime = `onnx: onnxruntime-node ${ort.env.versions.node ?? 'unknown'} (${threads} thread${threads === 1 ? '' : 's'}, model ${folder.name})`;
  return new OnnxRunner(ort, session, shapeOf(input.shape), runtime);
}

/** Loads the folder's model on its runtime; ModelUnavailableError naming the file when it cannot. */
export function loadRunner(folder: ModelFolder, options: { threads: number }): Promise<ModelRunner> {
  return folder.format === 'onnx' ? loadOnnx(folder, options.threads) : loadTfjs(folder);
}
