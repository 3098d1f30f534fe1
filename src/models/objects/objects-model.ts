/**
 * The built-in objects model: CenterNet finds and boxes COCO's 80 classes; Darknet Tiny, an ImageNet
 * classifier, names the animals in its boxes and in the whole photo (label-fusion.ts says why and how).
 * Both run on tfjs's wasm backend, from weights installed with scaleface.
 */
import { createRequire } from 'node:module';
import type * as TfModule from '@tensorflow/tfjs';
import type { Classification, ImageModel, LabelledBox, ModelInfo } from '../../ports/image-model.js';
import { startWasmBackend } from '../../runtimes/tfjs-wasm.js';
import { decodeImage, resizeRegion, stretchedFrame, type DecodedImage, type ImageRegion } from '../image-input.js';
import { CenterNetDetector, DETECTOR_INPUT_SIZE, type DetectorOptions } from './centernet-model.js';
import { COCO_LABELS, NO_OBJECT_LABEL } from './coco-labels.js';
import { CLASSIFIER_SIZE, ImageNetClassifier } from './imagenet-classifier.js';
import { boxesToCheck, fuseLabels, relabelBoxes, type CocoMasses } from './label-fusion.js';

type Tf = typeof TfModule;

export type ObjectsModelOptions = DetectorOptions;

/** Decoded at most this many pixels a side: enough for the detector's 512 and a small animal's crop. */
const DECODE_MAX_SIDE = 1024;
/** Animal boxes classified per photo: each costs about half a detection. */
const MAX_BOXES_CHECKED = 3;
/** Context kept around a box for the classifier, as a share of the box's size on each side. */
const CROP_MARGIN = 0.1;

const requireFromHere = createRequire(import.meta.url);

/** The box grown by CROP_MARGIN on each side, within the image. */
function cropAround(box: ImageRegion, image: DecodedImage): ImageRegion {
  const x = Math.max(0, box.x - box.width * CROP_MARGIN);
  const y = Math.max(0, box.y - box.height * CROP_MARGIN);
  const right = Math.min(image.originalWidth, box.x + box.width * (1 + CROP_MARGIN));
  const bottom = Math.min(image.originalHeight, box.y + box.height * (1 + CROP_MARGIN));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}

class ObjectsModel implements ImageModel {
  constructor(
    private readonly detector: CenterNetDetector,
    private readonly classifier: ImageNetClassifier,
    private readonly info: ModelInfo,
  ) {}

  describe(): ModelInfo {
    return this.info;
  }

  /** The classifier's masses on the whole photo and on the animal boxes worth checking (by box index). */
  private async secondOpinions(image: DecodedImage, boxes: readonly LabelledBox[]): Promise<{ whole: CocoMasses; crops: Map<number, CocoMasses> }> {
    const checked = boxesToCheck(boxes, MAX_BOXES_CHECKED);
    const frames = await Promise.all([
      resizeRegion(image, CLASSIFIER_SIZE, CLASSIFIER_SIZE),
      ...checked.map((index) => resizeRegion(image, CLASSIFIER_SIZE, CLASSIFIER_SIZE, cropAround(boxes[index]!.box, image))),
    ]);
    const [whole, ...crops] = await this.classifier.cocoMasses(frames);
    return { whole: whole!, crops: new Map(checked.map((boxIndex, i) => [boxIndex, crops[i]!])) };
  }

  async classify(bytes: Buffer): Promise<Classification> {
    const image = await decodeImage(bytes, DECODE_MAX_SIDE);
    const frame = await stretchedFrame(image, DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE);
    const started = performance.now();
    const detected = await this.detector.detect(frame);
    const { whole, crops } = await this.secondOpinions(image, detected);
    const boxes = relabelBoxes(detected, crops);
    const labels = fuseLabels(boxes, whole);
    return {
      label: labels[0]?.label ?? NO_OBJECT_LABEL,
      labels,
      boxes,
      width: image.originalWidth,
      height: image.originalHeight,
      inferenceMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    this.detector.dispose();
    this.classifier.dispose();
  }
}

/** Loads the detector and the classifier on the wasm backend; ModelUnavailableError when either cannot. */
export async function createObjectsModel(options: ObjectsModelOptions = {}): Promise<ImageModel> {
  await startWasmBackend();
  const tf = requireFromHere('@tensorflow/tfjs') as Tf;
  const detector = await CenterNetDetector.load(tf, options);
  const classifier = await ImageNetClassifier.load(tf);
  const info: ModelInfo = {
    name: 'centernet-coco',
    version: `${detector.version} + darknet-tiny-imagenet (assets/darknet-tiny-imagenet)`,
    kind: 'objects',
    labels: COCO_LABELS,
    runtime: `wasm: tfjs ${tf.version_core} (centernet, darknet tiny)`,
  };
  return new ObjectsModel(detector, classifier, info);
}
