import type { ImageModel } from '../../src/ports/image-model.js';

/** An ImageModel that answers `label` for any image (for tests of what happens around the model). */
export function fixedLabelModel(label: string): ImageModel {
  return {
    describe: () => ({ name: 'fixed', version: '1', kind: 'face', labels: [], runtime: 'test' }),
    classify: async () => ({ label, labels: [], boxes: [], width: 1, height: 1, inferenceMs: 1 }),
    close: async () => {},
  };
}
