/**
 * The face model's self-description: what a worker learns about it through the ImageModel port alone
 * (describe()), the gallery's recorded model included, without knowing the class behind the port.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FaceImageModel } from '../../src/models/index.js';
import type { GalleryModel } from '../../src/ports/image-model.js';
import type { FaceRecognizer } from '../../src/recognition/index.js';

function recognizerWithGallery(loadedModel: GalleryModel | undefined): FaceRecognizer {
  return {
    gallery: { loadedModel },
    runtime: { runtime: 'onnx', engine: 'onnxruntime-node test' },
    recognize: async () => { throw new Error('not used'); },
    close: async () => undefined,
  } as unknown as FaceRecognizer;
}

describe('FaceImageModel.describe()', () => {
  test('names the face kind and the model the loaded gallery records', () => {
    const recorded = { model: 'face-api/test', version: '1.7.15+sha256:abc', enrollment: 2 };
    const info = new FaceImageModel(recognizerWithGallery(recorded)).describe();
    assert.equal(info.kind, 'face');
    assert.equal(info.runtime, 'onnx: onnxruntime-node test');
    assert.deepEqual(info.gallery, { loadedModel: recorded });
  });

  test('a gallery that records no model is described as such, not left out', () => {
    const info = new FaceImageModel(recognizerWithGallery(undefined)).describe();
    assert.ok(info.gallery, 'the face model always has a gallery');
    assert.equal(info.gallery.loadedModel, undefined);
  });
});
