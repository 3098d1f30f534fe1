/**
 * Landmarks and 128-d descriptors for faces already found, with face-api's own chain (landmarks on the
 * box, align on the landmarks, describe the aligned face): the same computation as
 * `detectAllFaces().withFaceLandmarks().withFaceDescriptors()`, fed with our multi-pass boxes.
 */
import type { Tensor3D } from '@tensorflow/tfjs';
import type { FaceBox } from '../ports/recognizer.js';
import type { FoundBox } from './face-boxes.js';
import type { FaceModel } from './model.js';

export interface DescribedFace {
  /** In frame pixels, as found. */
  readonly box: FaceBox;
  readonly score: number;
  readonly descriptor: Float32Array;
}

interface Margins {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** How far the boxes reach past the frame's edges (whole pixels), so the frame can be bordered to hold them. */
function overhang(boxes: readonly FoundBox[], width: number, height: number): Margins {
  const reach = (f: (b: FaceBox) => number) => Math.ceil(Math.max(0, ...boxes.map(({ box }) => f(box))));
  return {
    left: reach((b) => -b.x),
    top: reach((b) => -b.y),
    right: reach((b) => b.x + b.width - width),
    bottom: reach((b) => b.y + b.height - height),
  };
}

/**
 * The descriptors of `boxes` in `frame` ([h, w, 3], not disposed here). A box that reaches past the frame
 * (a face filling the picture) is described on a mirror-bordered copy, not cut to the frame.
 */
export async function describeFaces(model: FaceModel, frame: Tensor3D, boxes: readonly FoundBox[]): Promise<DescribedFace[]> {
  if (boxes.length === 0) return [];
  const { faceapi, tf } = model;
  const [height, width] = frame.shape;
  const m = overhang(boxes, width, height);
  const bordered = m.left + m.top + m.right + m.bottom > 0;
  // 'symmetric' padding may not exceed the side; a box reaching farther is cut, as face-api would cut it.
  const [top, bottom] = [Math.min(m.top, height), Math.min(m.bottom, height)];
  const [left, right] = [Math.min(m.left, width), Math.min(m.right, width)];
  const input = bordered ? tf.mirrorPad(frame, [[top, bottom], [left, right], [0, 0]], 'symmetric') : frame;
  try {
    const [inputHeight, inputWidth] = input.shape;
    const [offsetX, offsetY] = [left, top];
    const sources = boxes.map(({ box, score }) => {
      const relative = new faceapi.Rect(
        (box.x + offsetX) / inputWidth,
        (box.y + offsetY) / inputHeight,
        box.width / inputWidth,
        box.height / inputHeight,
      );
      return { detection: new faceapi.FaceDetection(score, relative, { width: inputWidth, height: inputHeight }) };
    });
    const task = new faceapi.DetectAllFaceLandmarksTask(Promise.resolve(sources), input as never, false);
    const results = await task.withFaceDescriptors();
    // Read the box back from each result: face-api may drop a face it could not describe.
    return results.map(({ detection, descriptor }) => ({
      box: { x: detection.box.x - offsetX, y: detection.box.y - offsetY, width: detection.box.width, height: detection.box.height },
      score: detection.score,
      descriptor,
    }));
  } finally {
    if (bordered) input.dispose();
  }
}
