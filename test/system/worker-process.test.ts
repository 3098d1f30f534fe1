/**
 * What the worker says when it is ready comes from the model's describe() (the ImageModel port), whatever class
 * implements it: a gallery's model is logged for any model that describes a gallery, and for none that does not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelInfo } from '../../src/ports/image-model.js';
import { readyLogFields } from '../../src/system/worker-process.js';

const OBJECTS: ModelInfo = { name: 'centernet-coco', version: '1', kind: 'objects', labels: ['cat', 'dog'], runtime: 'wasm' };

describe('worker ready line', () => {
  test('a model that describes a gallery has its gallery model logged, through the port alone', () => {
    const loadedModel = { model: 'face-api/test', version: '2', enrollment: 3 };
    const fields = readyLogFields('sf-req-queue', { ...OBJECTS, kind: 'face', labels: [], gallery: { loadedModel } });
    assert.deepEqual(fields.galleryModel, loadedModel);
    assert.deepEqual(fields.model, { name: 'centernet-coco', kind: 'face', version: '1', labels: 0 });
    assert.equal(fields.queue, 'sf-req-queue');
  });

  test('a model without a gallery logs none', () => {
    const fields = readyLogFields('sf-req-queue', OBJECTS);
    assert.equal(fields.galleryModel, undefined);
    assert.deepEqual(fields.model, { name: 'centernet-coco', kind: 'objects', version: '1', labels: 2 });
    assert.equal(fields.runtime, 'wasm');
  });
});
