import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionLog } from '../../src/autoscaler/decision-log.js';

const decision = (at: number, current: number, desired: number) => ({ at, current, desired, backlog: undefined, reason: `r${at}`, summary: `s${at}` });

test('a burst of holds does not push the last scale-up out of the changes the status shows', () => {
  const log = new DecisionLog();
  log.record(decision(1, 0, 1));
  log.record(decision(2, 1, 2));
  for (let at = 3; at < 100; at += 1) log.record(decision(at, 2, 2));
  const { recentDecisions, recentChanges, decisionTotals } = log.summary();
  assert.equal(recentDecisions.length, 50);
  assert.ok(recentDecisions.every((d) => d.desired === d.current), 'the recent ones are all holds');
  assert.deepEqual(recentChanges.map((d) => d.at), [1, 2]);
  assert.deepEqual(decisionTotals, { up: 2, down: 0, hold: 97 });
  for (let at = 100; at < 130; at += 1) log.record(decision(at, at % 2, (at + 1) % 2));
  assert.equal(log.summary().recentChanges.length, 20, 'bounded');
  assert.equal(log.summary().recentChanges.at(-1)!.at, 129);
});
