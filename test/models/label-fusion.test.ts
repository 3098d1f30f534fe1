/** The objects model's two opinions made one (pure), and ImageNet's animals as COCO labels. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { LabelledBox } from '../../src/ports/image-model.js';
import { imageNetClassifierFolder } from '../../src/models/objects/imagenet-classifier.js';
import { COCO_LABELS } from '../../src/models/objects/coco-labels.js';
import { COCO_LABELS_IN_IMAGENET, cocoLabelOfImageNet, cocoMasses, standardOrder } from '../../src/models/objects/imagenet-coco.js';
import { boxesToCheck, decisiveLabel, fuseLabels, relabelBoxes } from '../../src/models/objects/label-fusion.js';

const at = (x: number) => ({ x, y: 0, width: 10, height: 10 });
const box = (label: string, score: number, x = 0): LabelledBox => ({ label, score, box: at(x) });

describe('ImageNet classes as COCO animals', () => {
  const classes = readFileSync(join(imageNetClassifierFolder(), 'classes.tsv'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]);
  const toStandard = standardOrder(classes.map(([id]) => id));
  const namesOf = (label: string) => classes.filter((_, output) => cocoLabelOfImageNet(toStandard[output]!) === label).map(([, name]) => name);

  test('the shipped classes are ImageNet-1k: 1000 distinct WordNet ids, standard order is a permutation', () => {
    assert.equal(classes.length, 1000);
    assert.equal(new Set(classes.map(([id]) => id)).size, 1000);
    assert.deepEqual([...toStandard].sort((a, b) => a - b), [...Array(1000).keys()]);
  });

  test('dog is the 118 breeds, Chihuahua to Mexican hairless; cat the 5 domestic cats; no wolf, fox or big cat', () => {
    const dogs = namesOf('dog');
    assert.equal(dogs.length, 118);
    for (const breed of ['Chihuahua', 'golden retriever', 'pug', 'Siberian husky', 'Mexican hairless']) assert.ok(dogs.includes(breed), breed);
    for (const other of ['timber wolf', 'kit fox', 'sea lion']) assert.ok(!dogs.includes(other), other);
    assert.deepEqual(namesOf('cat').sort(), ['Egyptian cat', 'Persian cat', 'Siamese cat', 'tabby', 'tiger cat']);
    assert.ok(!namesOf('cat').includes('tiger') && !namesOf('cat').includes('lion'));
    assert.ok(namesOf('bird').includes('bald eagle') && namesOf('bird').includes('kite'));
  });

  test('every mapped label is a COCO label', () => {
    for (const label of COCO_LABELS_IN_IMAGENET) assert.ok(COCO_LABELS.includes(label), label);
  });

  test('masses sum the kinds of each animal, in the model\'s own output order', () => {
    const toStd = [151, 0, 281, 268]; // outputs: a dog, a tench, a tabby, another dog
    assert.deepEqual([...cocoMasses([0.25, 0.4, 0.1, 0.25], toStd)], [['dog', 0.5], ['cat', 0.1]]);
  });
});

describe('label fusion', () => {
  test('only animals ImageNet knows are checked, best score first, at most max', () => {
    const boxes = [box('car', 0.9), box('cat', 0.3), box('person', 0.8), box('dog', 0.5), box('bird', 0.4)];
    assert.deepEqual(boxesToCheck(boxes, 2), [3, 4]);
  });

  test('a majority of the mass is decisive; less is not', () => {
    assert.equal(decisiveLabel(new Map([['dog', 0.5], ['cat', 0.1]])), 'dog');
    assert.equal(decisiveLabel(new Map([['dog', 0.45], ['cat', 0.4]])), undefined);
    assert.equal(decisiveLabel(new Map()), undefined);
  });

  test('a box takes the decisive label of its crop, keeping its score and place; undecided crops change nothing', () => {
    const boxes = [box('cat', 0.58, 1), box('sheep', 0.3, 2), box('car', 0.5, 3)];
    const crops = new Map([[0, new Map([['dog', 0.95]])], [1, new Map([['sheep', 0.2], ['cow', 0.3]])]]);
    assert.deepEqual(relabelBoxes(boxes, crops), [box('dog', 0.58, 1), box('sheep', 0.3, 2), box('car', 0.5, 3)]);
  });

  test('a decisive whole-photo animal outweighs a likelier-boxed object (noisy-OR); a spread mass does not', () => {
    const scene = [box('car', 0.563), box('bicycle', 0.489), box('dog', 0.433)];
    const dogPhoto = fuseLabels(scene, new Map([['dog', 0.89]]));
    assert.equal(dogPhoto[0]!.label, 'dog');
    assert.equal(dogPhoto[0]!.score, Math.round((1 - 0.567 * 0.11) * 1000) / 1000);
    assert.deepEqual(dogPhoto.slice(1).map((l) => l.label), ['car', 'bicycle']);
    // Horses: ImageNet has one horse class, so the mass spreads over ox and ram and must not outvote the detector.
    const horses = fuseLabels([box('horse', 0.671), box('sheep', 0.58)], new Map([['sheep', 0.3], ['cow', 0.2], ['horse', 0.05]]));
    assert.deepEqual(horses, [{ label: 'horse', score: 0.671 }, { label: 'sheep', score: 0.58 }]);
  });

  test('an animal the detector did not box is named from the whole photo alone', () => {
    assert.deepEqual(fuseLabels([], new Map([['cat', 0.9]])), [{ label: 'cat', score: 0.9 }]);
    assert.deepEqual(fuseLabels([], new Map([['cat', 0.3]])), []);
  });
});
