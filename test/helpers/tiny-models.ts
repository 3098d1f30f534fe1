/**
 * Tiny image classifiers the tests build themselves, with known answers, as the folders users give
 * `scaleface up --model <dir>`: nothing is downloaded.
 *
 * Both average the image's channels and weigh them so that a red image scores "red" and a blue one "blue".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import type * as TfModule from '@tensorflow/tfjs';
import { startWasmBackend } from '../../src/runtimes/tfjs-wasm.js';

const { onnx } = onnxProto;
const require = createRequire(import.meta.url);

/** A solid-colour PNG. */
export function solidImage(r: number, g: number, b: number, size = 32): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

export const TEACHABLE_MACHINE_METADATA = {
  tfjsVersion: '1.3.1',
  tmVersion: '2.4.5',
  packageVersion: '0.8.5',
  packageName: '@teachablemachine/image',
  modelName: 'tm-my-image-model',
  labels: ['red', 'blue'],
  imageSize: 8,
};

function concatWeights(data: TfModule.io.WeightData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return Array.isArray(data) ? Buffer.concat(data.map((part) => Buffer.from(part))) : Buffer.from(data as ArrayBuffer);
}

/**
 * A Teachable Machine-like layers model (8×8×3 → global average → dense softmax over red, blue), saved through
 * an IO handler as model.json + weights.bin, with Teachable Machine's metadata.json (inputs scaled to −1..1).
 */
export async function writeTinyTfjsModel(dir: string, metadata: Record<string, unknown> = TEACHABLE_MACHINE_METADATA): Promise<void> {
  await startWasmBackend();
  const tf = require('@tensorflow/tfjs') as typeof TfModule;
  const model = tf.sequential({
    layers: [tf.layers.globalAveragePooling2d({ inputShape: [8, 8, 3] }), tf.layers.dense({ units: 2, activation: 'softmax' })],
  });
  model.layers[1]!.setWeights([tf.tensor2d([[1, -1], [0, 0], [-1, 1]]), tf.tensor1d([0, 0])]);
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      const json = { format: 'layers-model', generatedBy: 'scaleface tests', convertedBy: null, modelTopology: artifacts.modelTopology, weightsManifest };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), concatWeights(artifacts.weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata));
}

/**
 * The same classifier as a TensorFlow.js graph model, written as tensorflowjs_converter writes one: model.json
 * with `format: graph-model`, the GraphDef's nodes as JSON (Placeholder, Const, Mean, MatMul, Softmax), and the
 * Const values in one weight shard, found by name. No metadata.json: labels.txt names the outputs.
 */
export async function writeTinyTfjsGraphModel(dir: string): Promise<void> {
  const float = { type: 'DT_FLOAT' };
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const constant = (name: string, dtype: string, shape: number[]) => ({
    name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: dims(...shape) } }, dtype: { type: dtype } },
  });
  const node = [
    { name: 'image', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims(-1, 8, 8, 3) } } },
    constant('axes', 'DT_INT32', [2]),
    constant('weights', 'DT_FLOAT', [3, 2]),
    { name: 'mean', op: 'Mean', input: ['image', 'axes'], attr: { keep_dims: { b: false }, T: float, Tidx: { type: 'DT_INT32' } } },
    { name: 'logits', op: 'MatMul', input: ['mean', 'weights'], attr: { transpose_a: { b: false }, transpose_b: { b: false }, T: float } },
    { name: 'scores', op: 'Softmax', input: ['logits'], attr: { T: float } },
  ];
  const weights = [{ name: 'axes', shape: [2], dtype: 'int32' }, { name: 'weights', shape: [3, 2], dtype: 'float32' }];
  const shard = Buffer.concat([Buffer.from(new Int32Array([1, 2]).buffer), Buffer.from(new Float32Array([1, -1, 0, 0, -1, 1]).buffer)]);
  const modelJson = {
    format: 'graph-model', generatedBy: '2.15.0', convertedBy: 'scaleface tests',
    modelTopology: { node, library: {}, versions: { producer: 1482 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(join(dir, 'group1-shard1of1.bin'), shard);
  await writeFile(join(dir, 'labels.txt'), 'red\nblue\n');
}

interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly ints?: Record<string, readonly number[] | number>;
}

/** An ONNX model with one float input of `inputDims` (strings are symbolic) and the output `output`. */
export function encodeOnnx(inputDims: readonly (number | string)[], nodes: readonly OnnxNode[], weights: Record<string, { dims: number[]; values: number[] }>): Uint8Array {
  const float = onnx.TensorProto.DataType.FLOAT;
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const attribute = (name: string, value: readonly number[] | number) =>
    typeof value === 'number'
      ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
      : { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
  const graph = {
    name: 'tiny',
    node: nodes.map((n) => ({ opType: n.op, input: [...n.inputs], output: [n.output], name: n.output, attribute: Object.entries(n.ints ?? {}).map(([k, v]) => attribute(k, v)) })),
    initializer: Object.entries(weights).map(([name, w]) => ({ name, dims: w.dims, dataType: float, floatData: w.values })),
    input: [{ name: 'input', type: { tensorType: { elemType: float, shape: { dim: inputDims.map(dim) } } } }],
    output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
  };
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'scaleface tests', opsetImport: [{ domain: '', version: 17 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

/** input [1, 3, 8, 8] → mean over the pixels → × W → logits for red, blue. */
export function tinyOnnxClassifier(): Uint8Array {
  return encodeOnnx(
    [1, 3, 8, 8],
    [
      { op: 'ReduceMean', inputs: ['input'], output: 'mean', ints: { axes: [2, 3], keepdims: 0 } },
      { op: 'MatMul', inputs: ['mean', 'w'], output: 'output' },
    ],
    { w: { dims: [3, 2], values: [1, -1, 0, 0, -1, 1] } },
  );
}

/** The ONNX classifier in a folder with labels.txt and a model.json giving its normalisation (0..1). */
export async function writeTinyOnnxModel(dir: string, settings: Record<string, unknown> = { layout: 'NCHW', mean: 0, std: 255 }, graph = tinyOnnxClassifier()): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), graph);
  await writeFile(join(dir, 'labels.txt'), 'red\nblue\n');
  await writeFile(join(dir, 'model.json'), JSON.stringify(settings));
}
