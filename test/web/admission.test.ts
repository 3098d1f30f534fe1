/** The load-shedding rule (src/web/admission.ts) on a clock of its own: body budget and predicted wait. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OverloadedError } from '../../src/domain/errors.js';
import { Admission } from '../../src/web/admission.js';

function setup() {
  let now = 1_000_000;
  const admission = new Admission({ bodyBudgetBytes: 100, maxQueueWaitMs: 5000, assumedAnswersPerSecond: 10 }, () => now);
  /** Admits `n` recognitions; their tickets. */
  const admit = (n: number) => Array.from({ length: n }, () => admission.admitRecognition());
  return { admission, admit, advance: (ms: number) => (now += ms) };
}

describe('the body budget', () => {
  test('holds bodies while they fit, refuses the next at once with a Retry-After, and takes work again once released', () => {
    const { admission } = setup();
    const first = admission.admitBody(60);
    const second = admission.admitBody(40);
    assert.throws(() => admission.admitBody(1), (error: unknown) => error instanceof OverloadedError && (error.retryAfterSeconds ?? 0) >= 1);
    assert.equal(admission.snapshot().shed.memory, 1);
    first.release();
    first.release(); // idempotent: a second release frees nothing more
    assert.equal(admission.snapshot().bodyBytesHeld, 40);
    admission.admitBody(60).release();
    second.release();
    assert.equal(admission.snapshot().bodyBytesHeld, 0);
  });

  test('accepted work waits for room first come first served, and new work is refused while it waits', async () => {
    const { admission } = setup();
    const held = admission.admitBody(90);
    let granted = false;
    const waiting = admission.acquireBody(50).then((hold) => {
      granted = true;
      return hold;
    });
    await Promise.resolve();
    assert.equal(granted, false);
    assert.throws(() => admission.admitBody(5), OverloadedError);
    held.release();
    (await waiting).release();
    assert.equal(granted, true);
    assert.equal(admission.snapshot().bodyBytesHeld, 0);
  });
});

test('a flood of large bodies leaves the reserved part of the budget to small ones', () => {
  const admission = new Admission({ bodyBudgetBytes: 1000 * 1024, reservedForSmallBytes: 200 * 1024, maxQueueWaitMs: 5000, assumedAnswersPerSecond: 10 });
  admission.admitBody(400 * 1024);
  admission.admitBody(400 * 1024);
  assert.throws(() => admission.admitBody(300 * 1024), OverloadedError); // large: only 800 KiB are theirs
  admission.admitBody(100 * 1024); // small ones still fit, up to the whole budget
  admission.admitBody(100 * 1024);
  assert.throws(() => admission.admitBody(1), OverloadedError);
});

describe('the predicted wait', () => {
  test('before answers are measured it assumes the configured rate; a recognition counts from its admission', () => {
    const { admission, admit } = setup();
    const tickets = admit(50); // the 50th waits (49 + 1) / 10 per second = 5 s: admitted
    assert.throws(() => admission.admitRecognition(), (error: unknown) => error instanceof OverloadedError && error.retryAfterSeconds === 1);
    assert.equal(admission.snapshot().rateMeasured, false);
    assert.equal(admission.snapshot().recognitionsInProgress, 50);
    tickets[0]!.release();
    tickets[0]!.release(); // idempotent
    admit(1);
  });

  test('once answers are measured, the measured rate decides, and Retry-After grows with the excess', () => {
    const { admission, admit, advance } = setup();
    const tickets = admit(26);
    for (let i = 0; i < 6; i++) {
      advance(500);
      tickets.pop()!.release();
      admission.observeAnswer(); // 2 answers a second over 3 s
    }
    const snapshot = admission.snapshot();
    assert.equal(snapshot.rateMeasured, true);
    assert.equal(snapshot.answersPerSecond, 2);
    assert.equal(snapshot.predictedWaitMs, 10_500); // (20 in progress + 1) / 2 per second
    assert.throws(() => admission.admitRecognition(), (error: unknown) => error instanceof OverloadedError && error.retryAfterSeconds === 6);
    assert.equal(admission.snapshot().shed.wait, 1);
    for (const ticket of tickets.splice(0, 12)) ticket.release(); // 8 left: 4.5 s
    admission.admitRecognition();
  });

  test('the app tier starting from zero is not judged by its boot: the rate is measured from the first answer', () => {
    const { admission, admit, advance } = setup();
    const tickets = admit(45);
    advance(5000); // the first worker loads its model: nothing is answered yet
    assert.equal(admission.snapshot().rateMeasured, false);
    for (let i = 0; i < 26; i++) {
      tickets.pop()!.release();
      admission.observeAnswer(); // then 10 answers a second, for 2.5 s
      if (i < 25) advance(100);
    }
    const snapshot = admission.snapshot();
    assert.equal(snapshot.rateMeasured, true);
    assert.equal(snapshot.answersPerSecond, 10, 'answers per second since the first answer, the boot left out');
    admission.admitRecognition(); // (19 waiting + 1) / 10 per second = 2 s, well within the 5 s bound
  });

  test('a quiet spell restarts the measurement, so a burst is not judged by the answers before it', () => {
    const { admission, admit, advance } = setup();
    const tickets = admit(3);
    for (let i = 0; i < 3; i++) {
      advance(1000);
      tickets.pop()!.release();
      admission.observeAnswer();
    }
    assert.equal(admission.snapshot().rateMeasured, true);
    admit(1); // nothing was in progress: a new busy spell
    advance(500);
    assert.equal(admission.snapshot().rateMeasured, false, 'within 2 s of a new busy spell nothing is measured yet');
  });
});
