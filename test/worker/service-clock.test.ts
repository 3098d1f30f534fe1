/** What an answer costs its worker: its own duration after a quiet spell, the spacing of answers under load. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceClock } from '../../src/worker/service-clock.js';

test('an answer after a quiet spell costs its own duration; answers in a row cost their spacing', () => {
  let now = 1000;
  const clock = new ServiceClock(() => now);
  const first = clock.started();
  now += 40;
  assert.equal(clock.answered(first), 40, 'nothing answered before: its own 40 ms');
  // Two messages in hand, each taking 30 ms of its own, answered 12 ms apart: the worker gives one per 12 ms.
  const second = clock.started();
  now += 18;
  const third = clock.started();
  now += 12;
  assert.equal(clock.answered(second), 30);
  now += 12;
  assert.equal(clock.answered(third), 12);
  now += 500;
  const later = clock.started();
  now += 25.04;
  assert.equal(clock.answered(later), 25, 'after a pause its own duration again, to 0.1 ms');
});
