import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDesiredInstances } from '../../src/autoscaler/policy.js';
import { SIMULATED_DECIDE } from '../../src/simulation/anchors/scaleface.js';
import { greedyHindsightSchedule } from '../../src/simulation/anchors/greedy-hindsight.js';
import { compareOnTrace } from '../../src/simulation/compare.js';
import { simulate, type SimPolicy } from '../../src/simulation/engine.js';
import { PROFILES, type SimulationProfile } from '../../src/simulation/profiles.js';
import { seededRandom } from '../../src/simulation/random.js';
import { makeTrace, type Trace } from '../../src/simulation/traces.js';
import { verdicts } from '../../src/simulation/report.js';

/** No boot, no shutdown, no lag, no billing minimum: only the queue and the service are left. */
const INSTANT: SimulationProfile = {
  ...PROFILES.local,
  boot: { median: 0, sigma: 0 },
  shutdown: { median: 0, sigma: 0 },
  depthLagS: 0,
  tickS: 1,
  billingMinimumS: 0,
};

const trace = (arrivals: number[]): Trace => ({ name: 't', description: '', arrivals: Float64Array.from(arrivals) });
const fixed = (count: number, seconds: number): Float64Array => new Float64Array(count).fill(seconds);
const constant = (n: number): SimPolicy => ({ decide: () => n });
const run = (t: Trace, service: Float64Array, profile: SimulationProfile, policy: SimPolicy) =>
  simulate({ trace: t, service, profile, policy, random: seededRandom(1), tailS: 30 });

describe('simulate', () => {
  test('one instance, no boot, a 10-request burst at 0.5 s: latencies are k × the service time', () => {
    // The instance is launched at the first tick (t = 0) and ready at once.
    const result = run(trace(Array(10).fill(0.5)), fixed(10, 0.1), INSTANT, constant(1));
    assert.deepEqual([...result.latencies].map((l) => Number(l.toFixed(6))), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
  });

  test('first come, first served over two instances: the burst is shared', () => {
    const result = run(trace(Array(4).fill(0)), fixed(4, 1), INSTANT, constant(2));
    assert.deepEqual([...result.latencies], [1, 1, 2, 2]);
  });

  test('the boot time delays the first answer', () => {
    const booting = { ...INSTANT, boot: { median: 5, sigma: 0 } };
    const result = run(trace([0]), fixed(1, 0.1), booting, constant(1));
    assert.equal(Number(result.latencies[0]!.toFixed(6)), 5.1);
  });

  test('billing: a launch is billed at least the minimum, then per second', () => {
    const billed = { ...INSTANT, billingMinimumS: 60 };
    let ticks = 0;
    const briefly: SimPolicy = { decide: () => (ticks++ < 3 ? 1 : 0) };
    const short = run(trace([0]), fixed(1, 0.1), billed, briefly);
    assert.equal(short.instanceSeconds, 60, 'stopped after 3 s, billed 60');
    ticks = 0;
    const long = run(trace([0]), fixed(1, 0.1), { ...billed, billingMinimumS: 2 }, briefly);
    assert.equal(long.instanceSeconds, 3, 'stopped at 3 s with a 2 s minimum: 3 s');
  });

  test('a policy that never scales up answers nothing: every request misses the target', () => {
    const t = trace([0, 1, 2]);
    const result = run(t, fixed(3, 0.1), INSTANT, constant(0));
    assert.ok([...result.latencies].every((l) => l === Infinity));
    assert.equal(result.instanceSeconds, 0);
  });

  test('never above the profile maximum, whatever the policy asks', () => {
    const result = run(trace(Array(100).fill(0)), fixed(100, 1), { ...INSTANT, maxInstances: 3 }, constant(50));
    assert.ok(Math.max(...result.timeline.instances) <= 3);
    assert.equal(result.launches, 3);
  });

  test('the simulator calls the very policy function the controller imports', () => {
    assert.equal(SIMULATED_DECIDE, decideDesiredInstances);
  });
});

describe('greedy hindsight', () => {
  test('one instance ready exactly at the burst: a 1000-request burst of 23 ms images costs one billed minute', () => {
    const profile = { ...PROFILES['stopped-fleet'], boot: { median: 20, sigma: 0 }, shutdown: { median: 5, sigma: 0 } };
    const bound = greedyHindsightSchedule(trace(Array(1000).fill(0)), fixed(1000, 0.023), profile);
    assert.equal(bound.launches, 1);
    assert.equal(bound.instanceSeconds, 60);
    assert.ok(Math.max(...bound.latencies) <= profile.sloS);
  });

  test('work that cannot fit one instance within the target goes to a second', () => {
    const profile = { ...PROFILES['stopped-fleet'], sloS: 10 };
    const bound = greedyHindsightSchedule(trace(Array(1000).fill(0)), fixed(1000, 0.023), profile);
    assert.equal(bound.launches, 3, '23 s of work in 10 s');
    assert.ok(Math.max(...bound.latencies) <= 10);
  });
});

describe('comparison', () => {
  test('the JSON rows have the required fields, one per policy, ours named scaleface, then greedy hindsight and the lower bound', async () => {
    const course = await makeTrace('course', 1);
    const { rows } = compareOnTrace(course, PROFILES['stopped-fleet'], 1);
    assert.deepEqual(rows.map((r) => r.policy), ['scaleface', 'keda-hpa', 'aws-target-tracking', 'sagemaker-async', 'greedy-hindsight', 'lower-bound']);
    for (const row of rows) {
      for (const key of ['trace', 'policy', 'instance_seconds', 'cost', 'p95_s', 'slo_s', 'slo_misses', 'meets_slo'] as const) assert.ok(key in row, key);
      assert.equal(row.trace, 'course');
      assert.equal(row.meets_slo, row.p95_s <= row.slo_s);
    }
  });

  test('on the course workload ours meets the target within 1.2 × the lower bound and beats each anchor that meets it', async () => {
    const course = await makeTrace('course', 1);
    const { rows } = compareOnTrace(course, PROFILES['stopped-fleet'], 1);
    const [verdict] = verdicts(rows);
    assert.ok(verdict?.wins, verdict?.note);
    assert.ok(verdict!.vsBound <= 1.2, String(verdict!.vsBound));
  });

  test('traces are reproducible from their seed and differ between seeds', async () => {
    const a = await makeTrace('poisson-20', 7);
    const b = await makeTrace('poisson-20', 7);
    const c = await makeTrace('poisson-20', 8);
    assert.deepEqual(a.arrivals, b.arrivals);
    assert.notDeepEqual(a.arrivals, c.arrivals);
    assert.ok(Math.abs(a.arrivals.length / 900 - 20) < 1, `about 20/s: ${a.arrivals.length / 900}`);
  });

  test('the bench trace is rebuilt from the committed bench result', async () => {
    const bench = await makeTrace('bench', 1);
    assert.equal(bench.arrivals.length, 1 + 30 + 1000);
  });
});

describe('replay', () => {
  test('reads arrival times, one per line or as JSON, and a decision log (arrivals from the backlog changes)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { replayTrace } = await import('../../src/simulation/bench-trace.js');
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-replay-'));
    try {
      await writeFile(join(dir, 'times.txt'), '0.5\n0\n1.5\n');
      assert.deepEqual([...(await replayTrace(join(dir, 'times.txt'), 0.023)).arrivals], [0, 0.5, 1.5]);
      await writeFile(join(dir, 'times.json'), JSON.stringify({ arrivals_s: [2, 1] }));
      assert.deepEqual([...(await replayTrace(join(dir, 'times.json'), 0.023)).arrivals], [1, 2]);
      const decisions = [
        { at: 1_000_000, current: 0, desired: 1, backlog: { visible: 0, inFlight: 0 }, reason: '' },
        { at: 1_001_000, current: 1, desired: 1, backlog: { visible: 10, inFlight: 0 }, reason: '' },
      ];
      await writeFile(join(dir, 'status.json'), JSON.stringify({ recentDecisions: decisions }));
      const replayed = await replayTrace(join(dir, 'status.json'), 0.023);
      assert.equal(replayed.arrivals.length, 10);
      assert.ok(replayed.arrivals.every((t) => t > 0 && t < 1));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
