/**
 * Compute settings that more than one backend or key can give: the EC2 subnets (a list, or the older single
 * subnet as a list of one, never both) and the boot deadline (backend-neutral, with a default per backend; the
 * older EC2 key still sets it on EC2). The resolved configuration round-trips through configToEnv.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configToEnv, loadConfig } from '../../src/config/index.js';
import { refusal } from '../helpers/config-refusal.js';

describe('compute.ec2.subnetIds', () => {
  test('a list from the file or SCALEFACE_EC2_SUBNET_IDS (comma-separated); none by default', () => {
    assert.deepEqual(loadConfig({}, {}).compute.ec2.subnetIds, []);
    assert.deepEqual(loadConfig({ compute: { ec2: { subnetIds: ['subnet-a', 'subnet-b'] } } }, {}).compute.ec2.subnetIds, ['subnet-a', 'subnet-b']);
    assert.deepEqual(loadConfig({}, { SCALEFACE_EC2_SUBNET_IDS: 'subnet-a, subnet-b,subnet-c' }).compute.ec2.subnetIds, ['subnet-a', 'subnet-b', 'subnet-c']);
  });

  test('the single subnet (compute.ec2.subnetId, SCALEFACE_EC2_SUBNET_ID) still works, as a list of one', () => {
    assert.deepEqual(loadConfig({ compute: { ec2: { subnetId: 'subnet-a' } } }, {}).compute.ec2.subnetIds, ['subnet-a']);
    assert.deepEqual(loadConfig({}, { SCALEFACE_EC2_SUBNET_ID: 'subnet-a' }).compute.ec2.subnetIds, ['subnet-a']);
  });

  test('both at once are refused, naming both keys and variables', () => {
    const message = refusal(() => loadConfig({}, { SCALEFACE_EC2_SUBNET_ID: 'subnet-a', SCALEFACE_EC2_SUBNET_IDS: 'subnet-b,subnet-c' }));
    assert.match(message, /compute\.ec2\.subnetIds/);
    assert.match(message, /compute\.ec2\.subnetId\b/);
    assert.match(message, /SCALEFACE_EC2_SUBNET_IDS/);
    assert.match(message, /not both/);
    assert.match(refusal(() => loadConfig({ compute: { ec2: { subnetId: 'subnet-a', subnetIds: ['subnet-a'] } } }, {})), /not both/);
  });

  test('a child rebuilds the same subnets from configToEnv', () => {
    const parent = loadConfig({}, { SCALEFACE_EC2_SUBNET_ID: 'subnet-a' });
    assert.deepEqual(loadConfig({}, configToEnv(parent)).compute.ec2.subnetIds, ['subnet-a']);
  });
});

describe('compute.bootDeadlineMs', () => {
  test('default per backend: 60 s for local processes, 5 min on EC2', () => {
    assert.equal(loadConfig({}, {}).compute.bootDeadlineMs, 60_000);
    assert.equal(loadConfig({ compute: { backend: 'ec2' } }, {}).compute.bootDeadlineMs, 300_000);
  });

  test('set for any backend by compute.bootDeadlineMs or SCALEFACE_BOOT_DEADLINE_MS', () => {
    assert.equal(loadConfig({ compute: { bootDeadlineMs: 5000 } }, {}).compute.bootDeadlineMs, 5000);
    assert.equal(loadConfig({}, { SCALEFACE_BOOT_DEADLINE_MS: '90000', SCALEFACE_COMPUTE: 'ec2' }).compute.bootDeadlineMs, 90_000);
    assert.match(refusal(() => loadConfig({}, { SCALEFACE_BOOT_DEADLINE_MS: '10' })), /bootDeadlineMs/);
  });

  test('the older compute.ec2.bootDeadlineMs (SCALEFACE_EC2_BOOT_DEADLINE_MS) still sets it on EC2', () => {
    assert.equal(loadConfig({}, { SCALEFACE_COMPUTE: 'ec2', SCALEFACE_EC2_BOOT_DEADLINE_MS: '120000' }).compute.bootDeadlineMs, 120_000);
    assert.equal(loadConfig({ compute: { backend: 'ec2', ec2: { bootDeadlineMs: 30_000 } }, autoscaler: { latencyTargetMs: 20_000 } }, {}).web.replyTimeoutMs, 90_000);
    // An EC2 setting says nothing about local processes.
    assert.equal(loadConfig({}, { SCALEFACE_EC2_BOOT_DEADLINE_MS: '120000' }).compute.bootDeadlineMs, 60_000);
  });

  test('both keys at once are refused', () => {
    const message = refusal(() => loadConfig({ compute: { bootDeadlineMs: 5000, ec2: { bootDeadlineMs: 6000 } } }, {}));
    assert.match(message, /compute\.bootDeadlineMs/);
    assert.match(message, /compute\.ec2\.bootDeadlineMs/);
    assert.match(message, /not both/);
  });

  test('a child rebuilds the same deadline from configToEnv, whichever key the parent used', () => {
    for (const parent of [
      loadConfig({ compute: { backend: 'ec2', ec2: { bootDeadlineMs: 30_000 } } }, {}),
      loadConfig({ compute: { ec2: { bootDeadlineMs: 30_000 } } }, {}),
      loadConfig({ compute: { bootDeadlineMs: 2000 } }, {}),
    ]) {
      assert.equal(loadConfig({}, configToEnv(parent)).compute.bootDeadlineMs, parent.compute.bootDeadlineMs);
    }
  });
});
