import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, modelFromSpec } from '../../src/config/index.js';

describe('model setting: --model / SCALEFACE_MODEL', () => {
  test('face by default; face and objects by name; anything else is a folder, made absolute', () => {
    assert.deepEqual(loadConfig({}, {}).model, { kind: 'face', minScore: 0.2 });
    assert.deepEqual(modelFromSpec('objects'), { kind: 'objects' });
    assert.deepEqual(modelFromSpec('./objects'), { kind: 'custom', dir: resolve('objects') });
    assert.deepEqual(loadConfig({}, { SCALEFACE_MODEL: 'my-model' }).model, { kind: 'custom', dir: resolve('my-model'), minScore: 0.2 });
    assert.equal(loadConfig({}, { SCALEFACE_MODEL: 'objects' }).model.kind, 'objects');
  });

  test('a custom model needs its folder; a folder needs kind custom', () => {
    assert.throws(() => loadConfig({ model: { kind: 'custom' } }, {}), /model\.dir: a custom model needs its folder/);
    assert.throws(() => loadConfig({ model: { kind: 'objects', dir: '/x' } }, {}), /model\.dir is only for kind custom/);
  });
});
