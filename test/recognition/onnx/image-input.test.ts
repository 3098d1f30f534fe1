/**
 * The onnx runtime's input preparation against tfjs's own ops (what face-api runs on wasm): crop, mirror
 * border, pad to square (both ways face-api pads) and the bilinear resize, on pixels that make every
 * interpolation weight matter.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Tensor3D } from '@tensorflow/tfjs';
import { loadFaceModel, type FaceModel } from '../../../src/recognition/index.js';
import {
  cropView,
  mirrorBorder,
  padToSquare,
  wholeFrame,
  writeNetInput,
  type FrameView,
} from '../../../src/recognition/onnx/image-input.js';

const NORM = { mean: [117.001, 114.697, 97.404] as const, divisor: 255 };

function pixels(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width, height };
}

/** face-api's padToSquare + toBatchTensor's resize + normalize, on tfjs, as NCHW floats. */
function tfjsInput(model: FaceModel, image: Tensor3D, size: number, centered: boolean): Float32Array {
  const { tf } = model;
  return tf.tidy(() => {
    const [height, width] = image.shape;
    let square: Tensor3D = tf.cast(image, 'float32');
    if (height !== width) {
      const diff = Math.abs(height - width);
      const after = Math.round(diff * (centered ? 0.5 : 1));
      const axis = height > width ? 1 : 0;
      const zeros = (amount: number) => tf.zeros(axis === 1 ? [height, amount, 3] : [amount, width, 3]) as Tensor3D;
      const parts = [...(diff - after > 0 ? [zeros(diff - after)] : []), square, zeros(after)];
      square = tf.concat(parts, axis);
    }
    const resized = tf.image.resizeBilinear(square, [size, size], false, false);
    const normalized = tf.div(tf.sub(resized, tf.tensor1d([...NORM.mean])), NORM.divisor);
    return tf.transpose(normalized, [2, 0, 1]).dataSync() as Float32Array;
  });
}

function ours(view: FrameView, size: number, centered: boolean): Float32Array {
  const out = new Float32Array(3 * size * size);
  writeNetInput(padToSquare(view, centered), size, NORM, out);
  return out;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

describe('network inputs equal to tfjs', () => {
  let model: FaceModel;
  before(async () => {
    model = await loadFaceModel();
  });

  const cases = [
    { name: 'a wide region with a mirrored border, down to 16', region: [3, 5, 31, 17], border: [4, 2], size: 16, centered: false },
    { name: 'a tall region, centered, up to 112', region: [10, 0, 13, 40], border: [0, 0], size: 112, centered: true },
    { name: 'a square region kept at its size', region: [0, 0, 41, 41], border: [0, 0], size: 41, centered: false },
    { name: 'an odd padding, centered, to 150', region: [1, 2, 40, 27], border: [3, 3], size: 150, centered: true },
  ] as const;

  for (const c of cases) {
    test(c.name, () => {
      const frame = pixels(47, 43);
      const [x, y, width, height] = c.region;
      const [bx, by] = c.border;
      const view = mirrorBorder(cropView(wholeFrame(frame), x, y, width, height), { left: bx, top: by, right: bx, bottom: by });
      const { tf } = model;
      const expected = tf.tidy(() => {
        const image = tf.tensor3d(new Int32Array(frame.data), [frame.height, frame.width, 3], 'int32');
        let part = tf.slice(image, [y, x, 0], [height, width, 3]) as Tensor3D;
        if (bx + by > 0) part = tf.mirrorPad(part, [[by, by], [bx, bx], [0, 0]], 'symmetric');
        return tfjsInput(model, part, c.size, c.centered);
      });
      assert.ok(maxDifference(ours(view, c.size, c.centered), expected) < 1e-5, 'within float rounding of tfjs');
    });
  }
});
