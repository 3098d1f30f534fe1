/**
 * A setting that is gone is refused with what replaces it, from a file, the environment or overrides: an old
 * configuration must not silently run with other behaviour (unknown keys are otherwise dropped).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { refusal } from '../helpers/config-refusal.js';

describe('retired settings', () => {
  test('autoscaler.targetBacklogPerInstance (SCALEFACE_TARGET_BACKLOG) names the latency target that replaced it', () => {
    for (const message of [
      refusal(() => loadConfig({ autoscaler: { targetBacklogPerInstance: 5 } } as never, {})),
      refusal(() => loadConfig({}, { SCALEFACE_TARGET_BACKLOG: '5' })),
      refusal(() => loadConfig({}, { SCALEFACE_CONFIG_JSON: JSON.stringify({ autoscaler: { targetBacklogPerInstance: 5 } }) })),
    ]) {
      assert.match(message, /targetBacklogPerInstance/);
      assert.match(message, /latencyTargetMs/);
    }
    assert.equal(loadConfig({ autoscaler: { latencyTargetMs: 5000 } }, {}).autoscaler.latencyTargetMs, 5000);
  });
});
