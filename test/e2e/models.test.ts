/**
 * Every kind of model through the real tiers (web tier, request queue, autoscaler, worker processes): the
 * user's own TensorFlow.js and ONNX models (built by the test), the built-in objects model, and a bad model
 * that `up` refuses before serving. The face model's seed contract is covered by system.test.ts and the
 * acceptance test, unchanged.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configToEnv, loadConfig, modelFromSpec } from '../../src/config/index.js';
import { humanModelsFolder } from '../../src/models/objects/centernet-model.js';
import { EXIT_CANNOT_START } from '../../src/ports/instance-pool.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { upload } from '../helpers/http-scenarios.js';
import { demoPhoto, fixturePhoto } from '../helpers/images.js';
import { solidImage, TEACHABLE_MACHINE_METADATA, writeTinyOnnxModel, writeTinyTfjsModel } from '../helpers/tiny-models.js';

let root: string;

function configFor(model: string, name: string) {
  return loadConfig(
    {
      dataDir: join(root, `data-${name}`),
      logLevel: 'silent',
      web: { port: 0 },
      model: modelFromSpec(model),
      autoscaler: { maxInstances: 1, idleWindowMs: 500, tickMs: 200 },
    },
    {},
  );
}

async function withSystem(model: string, name: string, body: (system: RunningSystem) => Promise<void>): Promise<void> {
  const system = await startSystem(configFor(model, name));
  try {
    await body(system);
  } finally {
    await system.close();
  }
}

async function getJson(url: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, url), init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function humanMissing(): string | false {
  try {
    humanModelsFolder();
    return false;
  } catch {
    return '@vladmandic/human is not installed: run npm install';
  }
}

describe('scaleface up --model: each kind of model through the real tiers', () => {
  let red: Buffer;
  let blue: Buffer;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'scaleface-e2e-models-'));
    red = await solidImage(255, 0, 0);
    blue = await solidImage(0, 0, 255);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('a TensorFlow.js model (Teachable Machine layout): POST / answers <stem>:<top label>; face routes answer 409', async () => {
    const dir = join(root, 'colours-tfjs');
    await writeTinyTfjsModel(dir);
    await withSystem(dir, 'tfjs', async (system) => {
      assert.deepEqual(await upload(system.url, 'apple.png', red), { status: 200, body: 'apple:red' });
      assert.deepEqual(await upload(system.url, 'sea.png', blue), { status: 200, body: 'sea:blue' });
      const form = new FormData();
      form.append('inputFile', new Blob([new Uint8Array(red)]), 'full.png');
      const full = await getJson(system.url, '/v1/recognitions', { method: 'POST', body: form });
      assert.equal(full.status, 200);
      assert.equal(full.body.label, 'red');
      assert.deepEqual((full.body.labels as { label: string }[]).map((l) => l.label), ['red', 'blue']);
      assert.deepEqual(full.body.model, { name: 'colours-tfjs', kind: 'custom', version: 'tfjs-layers' });
      assert.deepEqual(full.body.faces, []);
      const subjects = await getJson(system.url, '/v1/subjects');
      assert.equal(subjects.status, 409);
      assert.deepEqual(Object.keys(subjects.body.error as object), ['code', 'message']);
      assert.equal((subjects.body.error as { code: string }).code, 'WRONG_MODEL');
      assert.match((subjects.body.error as { message: string }).message, /face model only; this deployment serves the custom model/);
      const enroll = await getJson(system.url, '/v1/subjects/Ann/examples', { method: 'POST', body: new FormData() });
      assert.equal(enroll.status, 409);
      const status = await getJson(system.url, '/v1/status');
      assert.ok(Array.isArray(status.body.instances));
    });
  });

  test('an ONNX model with labels.txt and model.json answers through the same tiers', async () => {
    const dir = join(root, 'colours-onnx');
    await writeTinyOnnxModel(dir);
    await withSystem(dir, 'onnx', async (system) => {
      assert.deepEqual(await upload(system.url, 'sky.png', blue), { status: 200, body: 'sky:blue' });
      assert.deepEqual(await upload(system.url, 'cherry.png', red), { status: 200, body: 'cherry:red' });
    });
  });

  test('the objects model names people, a dog and a cat (photos from face-api and test/fixtures/photos)', { skip: humanMissing() }, async () => {
    await withSystem('objects', 'objects', async (system) => {
      assert.deepEqual(await upload(system.url, 'sample1.jpg', demoPhoto('sample1.jpg')), { status: 200, body: 'sample1:person' });
      assert.deepEqual(await upload(system.url, 'dog.jpg', fixturePhoto('dog.jpg')), { status: 200, body: 'dog:dog' });
      assert.deepEqual(await upload(system.url, 'chelsea.jpg', fixturePhoto('chelsea.jpg')), { status: 200, body: 'chelsea:cat' });
    });
  });

  test('a bad model stops `up` before it serves, saying what is wrong; a worker on it exits 78', async () => {
    const dir = join(root, 'bad-labels');
    await writeTinyTfjsModel(dir, { ...TEACHABLE_MACHINE_METADATA, labels: ['red', 'blue', 'green'] });
    await assert.rejects(startSystem(configFor(dir, 'bad')), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /the model cannot be served: .*model\.json: the model gives 2 scores but there are 3 labels/);
      return true;
    });
    await assert.rejects(startSystem(configFor(join(root, 'missing'), 'missing')), /model folder .*missing does not exist/);
    const cli = join(process.cwd(), 'dist/src/cli/main.js');
    const env = { PATH: process.env.PATH ?? '', ...(process.env.NODE_PATH ? { NODE_PATH: process.env.NODE_PATH } : {}), ...configToEnv(configFor(dir, 'bad')) };
    const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, 'worker', '--name', 'app-tier-instance-9'], { env, timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stderr }),
      );
    });
    assert.equal(exit.code, EXIT_CANNOT_START, exit.stderr);
    assert.match(exit.stderr, /MODEL_UNAVAILABLE: .*3 labels/);
  });
});
