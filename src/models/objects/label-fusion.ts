/**
 * Two opinions on what a photo shows, made one (pure): CenterNet's boxes and an ImageNet classifier's mass per
 * COCO animal, on each animal box and on the whole photo. The detector finds and places objects but confuses
 * close-up animals (a dog's head read as a cat, a cat as a dog); the classifier, trained on 118 dog breeds and 5
 * domestic cats, does not, but cannot place or count. So the classifier names the animal in a box, and the photo's
 * label weighs both: 1 − (1 − detector score)(1 − classifier mass), the chance that either is right if each were
 * a calibrated probability (noisy-OR).
 */
import type { LabelScore, LabelledBox } from '../../ports/image-model.js';
import { COCO_LABELS_IN_IMAGENET } from './imagenet-coco.js';
import { bestScorePerLabel } from './detections.js';

/** A classifier's mass at or above this names the animal (a majority of its probability on one COCO label). */
export const DECISIVE_MASS = 0.5;

/** Per-label probability mass from the classifier (absent labels have none). */
export type CocoMasses = ReadonlyMap<string, number>;

/** Indices of the boxes worth a second opinion: animals ImageNet knows, best first, at most `max`. */
export function boxesToCheck(boxes: readonly LabelledBox[], max: number): number[] {
  const indices = boxes.map((_, index) => index).filter((index) => COCO_LABELS_IN_IMAGENET.includes(boxes[index]!.label));
  return indices.sort((a, b) => boxes[b]!.score - boxes[a]!.score).slice(0, max);
}

/** The label holding a decisive share of the mass, if one does. */
export function decisiveLabel(masses: CocoMasses): string | undefined {
  let best: [string, number] | undefined;
  for (const entry of masses) if (best === undefined || entry[1] > best[1]) best = entry;
  return best !== undefined && best[1] >= DECISIVE_MASS ? best[0] : undefined;
}

/** Boxes with the classifier's label where it is decisive on the box's crop; score and place unchanged. */
export function relabelBoxes(boxes: readonly LabelledBox[], cropMasses: ReadonlyMap<number, CocoMasses>): LabelledBox[] {
  return boxes.map((box, index) => {
    const masses = cropMasses.get(index);
    const label = masses === undefined ? undefined : decisiveLabel(masses);
    return label === undefined || label === box.label ? box : { ...box, label };
  });
}

/**
 * The photo's labels, best first: every boxed label, each with its detector score, and the animal the
 * classifier is decisive about on the whole photo scored by noisy-OR with its box (or alone: a close-up the
 * detector did not box). Only a decisive mass counts: ImageNet has one horse class and no giraffe, so a photo
 * of horses spreads its mass over ox, ram and camel, and those small masses must not outvote the detector.
 */
export function fuseLabels(boxes: readonly LabelledBox[], wholeImage: CocoMasses): LabelScore[] {
  const labels = new Map(bestScorePerLabel(boxes).map(({ label, score }) => [label, score]));
  const decisive = decisiveLabel(wholeImage);
  if (decisive !== undefined) {
    const detected = labels.get(decisive) ?? 0;
    labels.set(decisive, Math.round((1 - (1 - detected) * (1 - wholeImage.get(decisive)!)) * 1000) / 1000);
  }
  return [...labels].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
}
