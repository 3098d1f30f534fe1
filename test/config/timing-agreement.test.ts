/**
 * Defaults that must agree (issue 13): on every backend a synchronous request may wait at least as long as the
 * autoscaler's latency target, and on EC2 at least as long as an instance may take to boot; the load balancer in
 * front of the web tier waits longer still.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { LOAD_BALANCER_IDLE_TIMEOUT } from '../../deploy/web-tier.js';

const BACKENDS = {
  'local processes': {},
  'EC2, fresh boot': { compute: { backend: 'ec2' as const } },
  'EC2, stopped fleet': { compute: { backend: 'ec2' as const, ec2: { stoppedFleet: true } } },
};

describe('timing defaults agree', () => {
  for (const [backend, overrides] of Object.entries(BACKENDS)) {
    test(`${backend}: reply wait >= latency target (and >= boot deadline on EC2), < load balancer idle timeout`, () => {
      const config = loadConfig(overrides, {});
      const { replyTimeoutMs } = config.web;
      assert.ok(replyTimeoutMs >= config.autoscaler.latencyTargetMs, `reply ${replyTimeoutMs} ms < latency target ${config.autoscaler.latencyTargetMs} ms`);
      if (config.compute.backend === 'ec2') {
        assert.ok(replyTimeoutMs > config.compute.bootDeadlineMs, `reply ${replyTimeoutMs} ms <= boot deadline ${config.compute.bootDeadlineMs} ms`);
        assert.ok(config.compute.bootDeadlineMs >= config.autoscaler.bootTimeMs, 'an instance is given at least the boot time the policy plans with');
        assert.ok(LOAD_BALANCER_IDLE_TIMEOUT.toSeconds() * 1000 > replyTimeoutMs, `load balancer idle ${LOAD_BALANCER_IDLE_TIMEOUT.toSeconds()} s <= reply ${replyTimeoutMs} ms`);
      }
    });
  }
});
