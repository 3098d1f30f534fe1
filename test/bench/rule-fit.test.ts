/** The accuracy bench's rule fitting (bench/accuracy/rule-fit.ts): decisions per rule, the choice, the frontier. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COURSE_SET, chooseRule, frontier, named, personOf, splitHalves, tallyRule, type CandidateRule, type RankedProbe } from '../../bench/accuracy/rule-fit.js';

const probe = (name: string, expected: string | null, nearest: string | null, distance: number | null, lead: number | null): RankedProbe => ({ name, expected, nearest, distance, lead });

const SETS: Record<string, RankedProbe[]> = {
  [COURSE_SET]: [probe('test_000', 'Paul', 'Paul', 0.3, 0.2), probe('test_008', 'Bill', 'Bill', 0.42, 0.061)],
  'new photos': [
    probe('people/Ann/2.jpg', 'Ann', 'Ann', 0.5, 0.1),
    probe('people/Ann/3.jpg', 'Ann', 'Ann', 0.53, 0.03),
    probe('people/Bo/2.jpg', 'Bo', 'Cy', 0.44, 0.07),
    probe('people/Bo/3.jpg', 'Bo', null, null, null),
  ],
  strangers: [probe('strangers/Dee/1.jpg', null, 'Ann', 0.45, 0.07), probe('strangers/Eve/1.jpg', null, 'Bo', 0.58, 0.2)],
};

const rule = (threshold: number, margin: number, ratio?: number): CandidateRule => ({ threshold, margin, ...(ratio === undefined ? {} : { ratio }) });

describe('fitting the match rule', () => {
  test('a face is named only within the threshold and with the margin (or the ratio) over the next subject', () => {
    const p = probe('x', 'Ann', 'Ann', 0.5, 0.1);
    assert.equal(named(p, rule(0.5, 0.1)), 'Ann');
    assert.equal(named(p, rule(0.49, 0)), null);
    assert.equal(named(p, rule(0.6, 0.11)), null);
    assert.equal(named(p, rule(0.6, 0, 0.84)), 'Ann', '0.5 / 0.6 = 0.83');
    assert.equal(named(p, rule(0.6, 0, 0.8)), null);
    assert.equal(named(probe('y', 'Ann', null, null, null), rule(1, 0)), null, 'no face is never named');
  });

  test('a stranger named and a person named as someone else both count as false accepts', () => {
    const t = tallyRule(SETS, rule(0.46, 0.06));
    assert.equal(t.falseAccepts, 2, JSON.stringify(t.perSet));
    assert.equal(t.perSet['new photos']!.noFace, 1);
    assert.equal(t.genuine, 6);
    assert.equal(t.genuineAccepts, 2);
    assert.equal(t.courseRight, true);
    assert.equal(tallyRule(SETS, rule(0.46, 0.07)).courseRight, false, 'test_008 leads by 0.061 only');
  });

  test('the choice is the rule with the most genuine accepts among those with no false accept and the course right', () => {
    const rules = [rule(0.43, 0.02), rule(0.46, 0.06), rule(0.55, 0.08), rule(0.55, 0.06), rule(0.6, 0.02)];
    const chosen = chooseRule(rules.map((r) => tallyRule(SETS, r)));
    assert.deepEqual(chosen?.rule, rule(0.43, 0.02));
    assert.equal(chooseRule([rule(0.55, 0.06)].map((r) => tallyRule(SETS, r))), undefined, 'none without a false accept');
  });

  test('the frontier gives the best rule at each number of false accepts, keeping only lines that gain', () => {
    const tallies = [rule(0.43, 0.02), rule(0.46, 0.06), rule(0.55, 0.06), rule(0.6, 0.02)].map((r) => tallyRule(SETS, r));
    const lines = frontier(tallies, 4);
    assert.deepEqual(lines.map((t) => [t.falseAccepts, t.genuineAccepts]), [[0, 2], [2, 3], [3, 4]]);
  });

  test('halves split by person: every photo of one person falls in the same half', () => {
    assert.equal(personOf(probe('strangers/Dee/1.jpg', null, 'Ann', 0.45, 0.07)), 'Dee');
    const [a, b] = splitHalves({ s: [probe('people/Ann/2.jpg', 'Ann', 'Ann', 0.5, 0.1), probe('people/Ann/3.jpg', 'Ann', 'Ann', 0.5, 0.1)] });
    assert.ok((a['s']!.length === 2 && b['s']!.length === 0) || (a['s']!.length === 0 && b['s']!.length === 2));
  });
});
