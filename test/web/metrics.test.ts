import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { outcomeOf, WebMetrics } from '../../src/observability/metrics.js';
import { readStatusSummary } from '../../src/observability/status-summary.js';
import { instanceIn, statusSnapshot } from '../helpers/status.js';

function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `no series ${series} in\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('WebMetrics', () => {
  test('two apps have separate registries', async () => {
    const first = new WebMetrics();
    const second = new WebMetrics();
    first.observeRecognition('ok', 120);
    assert.equal(valueOf((await first.render()).body, 'scaleface_recognitions_total{result="ok"}'), 1);
    assert.equal(valueOf((await second.render()).body, 'scaleface_recognitions_total{result="ok"}'), 0);
  });

  test('queue depths, instances by state and desired come from the status document', async () => {
    const metrics = new WebMetrics();
    metrics.observeStatus(
      statusSnapshot({
        queue: { visible: 3, inFlight: 2, delayed: 1 },
        deadLetterQueue: { visible: 4, inFlight: 0, delayed: 0 },
        instances: [instanceIn('running', 1), instanceIn('running', 2), instanceIn('pending', 3)],
        desired: 3,
      }),
    );
    const { body } = await metrics.render();
    assert.equal(valueOf(body, 'scaleface_queue_messages{queue="request",state="visible"}'), 3);
    assert.equal(valueOf(body, 'scaleface_queue_messages{queue="request",state="in_flight"}'), 2);
    assert.equal(valueOf(body, 'scaleface_queue_messages{queue="request",state="delayed"}'), 1);
    assert.equal(valueOf(body, 'scaleface_queue_messages{queue="dead_letter",state="visible"}'), 4);
    assert.equal(valueOf(body, 'scaleface_instances{state="running"}'), 2);
    assert.equal(valueOf(body, 'scaleface_instances{state="pending"}'), 1);
    assert.equal(valueOf(body, 'scaleface_instances{state="stopping"}'), 0);
    assert.equal(valueOf(body, 'scaleface_instances_desired'), 3);
    metrics.observeStatus(statusSnapshot());
    assert.equal(valueOf((await metrics.render()).body, 'scaleface_instances{state="running"}'), 0);
  });

  test('each autoscaler decision is counted once, by direction, however often the status is read', async () => {
    const metrics = new WebMetrics();
    metrics.observeStatus(statusSnapshot({ decisionTotals: { up: 1, down: 0, hold: 1 } }));
    metrics.observeStatus(statusSnapshot({ decisionTotals: { up: 1, down: 0, hold: 1 } }));
    metrics.observeStatus(statusSnapshot({ decisionTotals: { up: 1, down: 1, hold: 3 } }));
    const { body } = await metrics.render();
    assert.equal(valueOf(body, 'scaleface_autoscaler_decisions_total{direction="up"}'), 1);
    assert.equal(valueOf(body, 'scaleface_autoscaler_decisions_total{direction="hold"}'), 3);
    assert.equal(valueOf(body, 'scaleface_autoscaler_decisions_total{direction="down"}'), 1);
  });

  test('inference time is observed in seconds; failed recognitions have no inference time', async () => {
    const metrics = new WebMetrics();
    metrics.observeRecognition('ok', 250);
    metrics.observeRecognition('ok', 750);
    metrics.observeRecognition('failed');
    const { body } = await metrics.render();
    assert.equal(valueOf(body, 'scaleface_inference_duration_seconds_count'), 2);
    assert.equal(valueOf(body, 'scaleface_inference_duration_seconds_sum'), 1);
    assert.equal(valueOf(body, 'scaleface_inference_duration_seconds_bucket{le="0.25"}'), 1);
    assert.equal(valueOf(body, 'scaleface_recognitions_total{result="failed"}'), 1);
    assert.equal(metrics.completedRecognitions, 2);
  });

  test('request outcomes by status class', () => {
    assert.deepEqual([200, 202, 302, 400, 401, 404, 499, 500, 504].map(outcomeOf), [
      'success', 'success', 'success', 'client_error', 'client_error', 'client_error', 'client_error', 'server_error', 'server_error',
    ]);
  });

  test('the summary counts instances by state, with zeros for the states nobody is in', () => {
    const summary = readStatusSummary(statusSnapshot({ instances: [instanceIn('running', 1), instanceIn('terminated', 2)] }));
    assert.deepEqual(summary.instancesByState, { pending: 0, running: 1, stopping: 0, stopped: 0, terminated: 1 });
  });
});
