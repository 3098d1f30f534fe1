import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCustomModel, resolveInputSpec, toProbabilities } from '../../src/models/custom/custom-model.js';
import { inspectModelFolder } from '../../src/models/index.js';
import { encodeOnnx, solidImage, TEACHABLE_MACHINE_METADATA, writeTinyOnnxModel, writeTinyTfjsGraphModel, writeTinyTfjsModel } from '../helpers/tiny-models.js';

const THREADS = { threads: 1 };

describe('custom models: TensorFlow.js and ONNX folders built by the test, with known answers', () => {
  let root: string;
  let red: Buffer;
  let blue: Buffer;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'scaleface-models-'));
    red = await solidImage(255, 0, 0);
    blue = await solidImage(0, 0, 255);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('a Teachable Machine-style layers model (metadata.json: labels, imageSize) answers red and blue', async () => {
    const dir = join(root, 'tm');
    await writeTinyTfjsModel(dir);
    const model = await createCustomModel(dir, THREADS);
    try {
      assert.deepEqual(model.describe().labels, ['red', 'blue']);
      assert.equal(model.describe().kind, 'custom');
      assert.match(model.describe().runtime, /^wasm: tfjs \d+\.\d+\.\d+ \(layers model tm\)$/);
      const answer = await model.classify(red);
      assert.equal(answer.label, 'red');
      assert.equal(answer.labels[0]!.label, 'red');
      assert.ok(answer.labels[0]!.score > 0.9, JSON.stringify(answer.labels));
      assert.deepEqual(answer.boxes, []);
      assert.equal((await model.classify(blue)).label, 'blue');
    } finally {
      await model.close();
    }
  });

  test('a TensorFlow.js graph model (as the converter writes it) with labels.txt answers red and blue', async () => {
    const dir = join(root, 'graph');
    await writeTinyTfjsGraphModel(dir);
    const model = await createCustomModel(dir, THREADS);
    try {
      assert.deepEqual(model.describe().labels, ['red', 'blue']);
      assert.match(model.describe().runtime, /^wasm: tfjs \d+\.\d+\.\d+ \(graph model graph\)$/);
      const answer = await model.classify(red);
      assert.equal(answer.label, 'red');
      assert.ok(answer.labels[0]!.score > 0.5, JSON.stringify(answer.labels));
      assert.equal((await model.classify(blue)).label, 'blue');
    } finally {
      await model.close();
    }
  });

  test('an ONNX model with labels.txt and model.json (NCHW, 0..1) answers red and blue; BGR swaps them', async () => {
    const dir = join(root, 'onnx');
    await writeTinyOnnxModel(dir);
    const model = await createCustomModel(dir, THREADS);
    try {
      assert.match(model.describe().runtime, /^onnx: onnxruntime-node \d+\.\d+\.\d+ \(1 thread, model onnx\)$/);
      assert.equal((await model.classify(red)).label, 'red');
      assert.equal((await model.classify(blue)).label, 'blue');
    } finally {
      await model.close();
    }
    const bgr = join(root, 'onnx-bgr');
    await writeTinyOnnxModel(bgr, { layout: 'NCHW', mean: 0, std: 255, channels: 'BGR' });
    const swapped = await createCustomModel(bgr, THREADS);
    try {
      assert.equal((await swapped.classify(red)).label, 'blue', 'the model sees channels in BGR order');
    } finally {
      await swapped.close();
    }
  });

  test('a missing weights file fails at load, naming the file', async () => {
    const dir = join(root, 'no-weights');
    await writeTinyTfjsModel(dir);
    await unlink(join(dir, 'weights.bin'));
    await assert.rejects(createCustomModel(dir, THREADS), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MODEL_UNAVAILABLE');
      assert.match(error.message, /weights file .*no-weights\/weights\.bin is missing/);
      return true;
    });
  });

  test('more labels than the model has outputs fails at load, with both counts', async () => {
    const dir = join(root, 'labels');
    await writeTinyTfjsModel(dir, { ...TEACHABLE_MACHINE_METADATA, labels: ['red', 'blue', 'green'] });
    await assert.rejects(createCustomModel(dir, THREADS), /gives 2 scores but there are 3 labels \(red, blue, green\)/);
  });

  test('an input that is not an image fails at load, with its shape', async () => {
    const dir = join(root, 'rank');
    const graph = encodeOnnx([1, 3], [{ op: 'MatMul', inputs: ['input', 'w'], output: 'output' }], { w: { dims: [3, 2], values: [1, 0, 0, 1, 0, 0] } });
    await writeTinyOnnxModel(dir, {}, graph);
    await assert.rejects(createCustomModel(dir, THREADS), /model\.onnx: input shape \[1, 3\] is not an image/);
  });

  test('an op onnxruntime does not know fails at load, with onnxruntime\'s words', async () => {
    const dir = join(root, 'op');
    const graph = encodeOnnx([1, 3, 8, 8], [{ op: 'NoSuchOp', inputs: ['input'], output: 'output' }], {});
    await writeTinyOnnxModel(dir, {}, graph);
    await assert.rejects(createCustomModel(dir, THREADS), /model\.onnx: onnxruntime cannot load it: .*NoSuchOp/);
  });

  test('the folder is read before any model loads: what is missing is said', async () => {
    const empty = join(root, 'empty');
    await writeTinyOnnxModel(empty);
    await unlink(join(empty, 'labels.txt'));
    await writeFile(join(empty, 'model.json'), '{"layout":"NCHW"}');
    assert.throws(() => inspectModelFolder(empty), /has no labels: add labels\.txt/);
    assert.throws(() => inspectModelFolder(join(root, 'nowhere')), /model folder .*nowhere does not exist/);
    await writeFile(join(empty, 'model.json'), '{"layout":"NWHC"}');
    await unlink(join(empty, 'model.onnx'));
    assert.throws(() => inspectModelFolder(empty), /is not a TensorFlow\.js model/);
  });

  test('input settings: the model\'s shape wins, open sizes come from the settings, defaults by exporter', () => {
    const tm = resolveInputSpec([null, 224, 224, 3], { settings: {}, teachableMachine: true, modelFile: 'm' });
    assert.deepEqual({ ...tm }, { width: 224, height: 224, layout: 'NHWC', channels: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], fit: 'cover' });
    const onnx = resolveInputSpec([1, 3, 'h' as never, null], { settings: { imageSize: 96 }, teachableMachine: false, modelFile: 'm' });
    assert.equal(onnx.layout, 'NCHW');
    assert.equal(onnx.width, 96);
    assert.deepEqual(onnx.std, [255, 255, 255]);
    assert.throws(() => resolveInputSpec([1, 3, null, null], { settings: {}, teachableMachine: false, modelFile: 'm' }), /give "imageSize"/);
    assert.throws(() => resolveInputSpec([1, 8, 8, 1], { settings: {}, teachableMachine: false, modelFile: 'm' }), /not an RGB image/);
    assert.deepEqual(toProbabilities(Float32Array.from([0.25, 0.75])), [0.25, 0.75]);
    const soft = toProbabilities(Float32Array.from([2, -2]));
    assert.ok(Math.abs(soft[0]! + soft[1]! - 1) < 1e-9 && soft[0]! > 0.98);
  });
});
