/**
 * Which ImageNet-1k classes are kinds of a COCO animal: 118 dog breeds are `dog`, the 5 domestic cats `cat`.
 * Only animals: ImageNet names breeds and species where COCO names the animal, and these are the classes the
 * detector confuses (a close-up dog read as a cat). Indices are ImageNet's standard order (the WordNet ids sorted),
 * so a model that outputs another order maps through its own ids (`standardOrder`).
 */

/** Inclusive ranges of standard ImageNet indices per COCO label. */
const COCO_ANIMALS_IN_IMAGENET: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  bird: [[7, 24], [80, 100], [127, 146]], // cock .. great grey owl; black grouse .. black swan; white stork .. albatross
  cat: [[281, 285]], // tabby, tiger cat, Persian, Siamese, Egyptian cat
  dog: [[151, 268]], // Chihuahua .. Mexican hairless
  bear: [[294, 297]], // brown, American black, ice, sloth bear
  zebra: [[340, 340]],
  horse: [[339, 339]], // sorrel
  sheep: [[348, 349]], // ram, bighorn
  cow: [[345, 345]], // ox
  elephant: [[101, 101], [385, 386]], // tusker, Indian and African elephant
  'teddy bear': [[850, 850]],
};

/** The COCO labels ImageNet gives a second opinion on. */
export const COCO_LABELS_IN_IMAGENET: readonly string[] = Object.keys(COCO_ANIMALS_IN_IMAGENET);

/** For each output of a model listing WordNet ids in its own order: that output's standard ImageNet index. */
export function standardOrder(wordnetIds: readonly string[]): number[] {
  const sorted = [...wordnetIds].sort();
  const rank = new Map(sorted.map((id, index) => [id, index]));
  return wordnetIds.map((id) => rank.get(id)!);
}

/** The COCO label a standard ImageNet index is a kind of, if any. */
export function cocoLabelOfImageNet(standardIndex: number): string | undefined {
  for (const [label, ranges] of Object.entries(COCO_ANIMALS_IN_IMAGENET)) {
    if (ranges.some(([first, last]) => standardIndex >= first && standardIndex <= last)) return label;
  }
  return undefined;
}

/** Probability mass per COCO label: the sum of its ImageNet kinds' probabilities (outputs in the model's order). */
export function cocoMasses(probabilities: ArrayLike<number>, toStandard: readonly number[]): Map<string, number> {
  const masses = new Map<string, number>();
  for (let output = 0; output < probabilities.length; output++) {
    const label = cocoLabelOfImageNet(toStandard[output]!);
    if (label !== undefined) masses.set(label, (masses.get(label) ?? 0) + probabilities[output]!);
  }
  return masses;
}
