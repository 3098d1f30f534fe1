/** The lower bound: no policy that meets the target bills less, and it is exact where the optimum is plain. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { greedyHindsightSchedule } from '../../src/simulation/anchors/greedy-hindsight.js';
import { compareOnTrace, drawStream, LOWER_BOUND } from '../../src/simulation/compare.js';
import { allowedMissesAtP95, lowerBound } from '../../src/simulation/lower-bound.js';
import { PROFILES } from '../../src/simulation/profiles.js';
import { makeTrace, type Trace } from '../../src/simulation/traces.js';

const burst = (at: number, count: number): Trace => ({ name: 'burst', description: '', arrivals: new Float64Array(count).fill(at) });
const fixed = (count: number, seconds: number): Float64Array => new Float64Array(count).fill(seconds);

describe('lower bound', () => {
  for (const name of ['bursts-on-stream', 'poisson-20', 'course']) {
    test(`${name}: no policy that meets the target bills less than the bound`, async () => {
      const { rows } = compareOnTrace(await makeTrace(name, 1), PROFILES['stopped-fleet'], 1);
      const bound = rows.find((r) => r.policy === LOWER_BOUND)!.instance_seconds;
      const meeting = rows.filter((r) => r.policy !== LOWER_BOUND && r.meets_slo);
      assert.ok(meeting.length > 0);
      for (const r of meeting) assert.ok(r.instance_seconds >= bound, `${r.policy} bills ${r.instance_seconds} < ${bound}`);
    });
  }

  test('one burst one instance can serve: exactly the billing minimum, as the greedy schedule', () => {
    const profile = PROFILES['stopped-fleet'];
    const bound = lowerBound(burst(0, 1000), fixed(1000, 0.023), profile, drawStream(1));
    assert.equal(bound.instanceSeconds, 60);
    assert.equal(greedyHindsightSchedule(burst(0, 1000), fixed(1000, 0.023), profile).instanceSeconds, 60);
  });

  test('a burst that needs three instances within a 10 s target: three billing minima, as the greedy schedule', () => {
    const profile = { ...PROFILES['stopped-fleet'], sloS: 10 };
    const bound = lowerBound(burst(100, 1000), fixed(1000, 0.023), profile, drawStream(1));
    assert.equal(bound.instancesNeeded, 3, '23 s of work (less the 50 that may miss) in 10 s');
    assert.equal(bound.instanceSeconds, 180);
    assert.equal(greedyHindsightSchedule(burst(100, 1000), fixed(1000, 0.023), profile).instanceSeconds, 180);
  });

  test('a stream with a boot longer than the billing minimum: at least the work plus one boot floor', () => {
    const profile = PROFILES['fresh-boot'];
    const bound = lowerBound(burst(0, 1000), fixed(1000, 0.023), profile, drawStream(1));
    const work = 0.023 * (1000 - allowedMissesAtP95(1000));
    assert.ok(bound.bootFloorS > 100 && bound.bootFloorS < 180, String(bound.bootFloorS));
    assert.ok(Math.abs(bound.instanceSeconds - (work + bound.bootFloorS)) < 1e-6, String(bound.instanceSeconds));
  });

  test('as many may miss as p95 allows: 5 % of the requests, rounded down', () => {
    assert.deepEqual([0, 1, 19, 20, 1000, 1001].map(allowedMissesAtP95), [0, 0, 0, 1, 50, 50]);
  });
});
