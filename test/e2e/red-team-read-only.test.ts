/**
 * The red team's permission fault, against the real `scaleface up` under load: the input and output buckets'
 * folders immutable for a few seconds (`chattr -R +i`, which binds root). Every answer is 200 or 503 with
 * Retry-After (no 500, no 502), nothing accepted is lost (each request answered other than 503 has its label),
 * nothing is dead-lettered, `/readyz` is not ready during the fault and ready after, and a normal request is
 * answered once the fault ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReadOnlyBuckets } from '../../bench/red-team/read-only-buckets.js';
import { immutableUnsupported } from '../helpers/immutable.js';

test('buckets immutable under load: 503 + Retry-After, none lost, readiness flips and recovers', { skip: immutableUnsupported(), timeout: 240_000 }, async () => {
  const result = await runReadOnlyBuckets({ faultMs: 6000, clients: 4, buckets: ['in', 'out'], beforeMs: 3000, afterMs: 3000 });
  // Every message carries the whole result: a failure on another machine says what it saw.
  const seen = JSON.stringify(result);
  console.log(`# ${seen}`);
  assert.deepEqual(Object.keys(result.answers).filter((kind) => kind !== '200' && kind !== '503+retry-after'), [], `only 200 and 503 + Retry-After: ${seen}`);
  assert.ok((result.answersDuringFault['503+retry-after'] ?? 0) > 0, `uploads during the fault are refused with 503 + Retry-After: ${seen}`);
  assert.ok((result.answers['200'] ?? 0) > 0, `uploads before and after the fault are answered: ${seen}`);
  assert.equal(result.lost, 0, `none lost: ${seen}`);
  assert.equal(result.deadLettered, 0, `none dead-lettered: ${seen}`);
  assert.ok((result.readiness.during['503'] ?? 0) > 0, `not ready during the fault: ${seen}`);
  assert.ok((result.readiness.after['200'] ?? 0) > 0, `ready after the fault: ${seen}`);
  assert.equal(result.normalRequestAfter, '200 after_fault:NoFace', `a normal request after the fault: ${seen}`);
});
