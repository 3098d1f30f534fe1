/**
 * `scaleface aws check` in process, on a mocked EC2 API and the embedded queue and folder buckets: one line per call
 * and per queue or bucket, exit code 1 when something is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { runAwsCheck } from '../../src/cli/aws.js';
import { awsError } from '../helpers/ec2-mock.js';
import { loadConfig } from '../../src/config/index.js';
import { createBackends, createRequestQueues, ensureBuckets } from '../../src/system/backends.js';

const ec2 = mockClient(EC2Client);

describe('scaleface aws check', () => {
  test('prints allowed or what to grant per call, and fails when a permission is missing', async () => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).callsFake((input: { DryRun?: boolean }) => {
      if (input.DryRun === true) throw awsError('DryRunOperation', 412);
      return { Reservations: [] };
    });
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-check-'));
    const config = loadConfig({ dataDir, prefix: 'sf', compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-1', region: 'eu-west-1' } } }, {});
    const backends = await createBackends(config);
    await ensureBuckets(backends);
    await createRequestQueues(backends);
    const lines: string[] = [];
    assert.equal(await runAwsCheck(config, (line) => lines.push(line)), 1);
    assert.match(lines[0]!, /eu-west-1, prefix sf/);
    assert.deepEqual(lines.slice(1, 4).map((l) => l.split(':')[0]), ['DescribeInstances', 'RunInstances', 'TerminateInstances']);
    assert.deepEqual(lines.slice(5, 7), ['queue sf-req-queue (open, count): reachable', 'queue sf-req-dlq (open, count): reachable']);
    assert.equal(lines.slice(5).length, 15, lines.join('\n'));
    assert.ok(lines.slice(5).every((l) => l.endsWith(': reachable')), lines.join('\n'));
    assert.equal(lines[1], 'DescribeInstances: allowed');
    assert.match(lines[2]!, /^RunInstances: missing: ec2:RunInstances from the launch template lt-1/);
    ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 412));
    assert.equal(await runAwsCheck(config, () => undefined), 0, 'nothing missing (terminate not checked without an instance)');
    await backends.queues.remove('sf-req-dlq');
    await backends.queues.close();
    const after: string[] = [];
    assert.equal(await runAwsCheck(config, (line) => after.push(line)), 1, 'a queue is missing');
    assert.ok(after.includes('queue sf-req-dlq (open, count): missing: it does not exist (the deploy, or scaleface up creates it)'), after.join('\n'));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('on a stopped fleet it checks StartInstances and StopInstances on the fleet\'s instances', async () => {
    ec2.reset();
    const fleet = [
      { InstanceId: 'i-run', State: { Name: 'running' }, Tags: [{ Key: 'Name', Value: 'app-tier-instance-1' }] },
      { InstanceId: 'i-stop', State: { Name: 'stopped' }, Tags: [{ Key: 'Name', Value: 'app-tier-instance-2' }] },
    ];
    ec2.on(DescribeInstancesCommand).callsFake((input: { DryRun?: boolean }) => {
      if (input.DryRun === true) throw awsError('DryRunOperation', 412);
      return { Reservations: [{ Instances: fleet }] };
    });
    ec2.on(StartInstancesCommand).rejects(awsError('DryRunOperation', 412));
    ec2.on(StopInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-check-'));
    const config = loadConfig({ dataDir, prefix: 'sf', compute: { backend: 'ec2', ec2: { stoppedFleet: true, region: 'eu-west-1' } } }, {});
    const backends = await createBackends(config);
    await ensureBuckets(backends);
    await createRequestQueues(backends);
    await backends.queues.close();
    const lines: string[] = [];
    assert.equal(await runAwsCheck(config, (line) => lines.push(line)), 1);
    assert.deepEqual(lines.slice(1, 4).map((l) => l.split(':')[0]), ['DescribeInstances', 'StartInstances', 'StopInstances']);
    assert.equal(lines[2], 'StartInstances: allowed');
    assert.match(lines[3]!, /^StopInstances: missing: ec2:StopInstances on instances tagged scaleface:role=app-tier, scaleface:prefix=sf/);
    assert.ok(!lines.some((l) => /^(RunInstances|TerminateInstances):/.test(l)), lines.join('\n'));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('with the autoscaler off (a web instance) launching is not needed, and a denied RunInstances does not fail it', async () => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).callsFake((input: { DryRun?: boolean }) => {
      if (input.DryRun === true) throw awsError('DryRunOperation', 412);
      return { Reservations: [] };
    });
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-check-'));
    const config = loadConfig({ dataDir, prefix: 'sf', autoscaler: { enabled: false }, compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-1' } } }, {});
    const backends = await createBackends(config);
    await ensureBuckets(backends);
    await createRequestQueues(backends);
    await backends.queues.close();
    const lines: string[] = [];
    assert.equal(await runAwsCheck(config, (line) => lines.push(line)), 0, lines.join('\n'));
    assert.equal(lines[1], 'DescribeInstances: allowed');
    assert.match(lines[2]!, /^RunInstances, TerminateInstances: not needed: the autoscaler is off here/);
    assert.equal(ec2.commandCalls(RunInstancesCommand).length, 0);
    await rm(dataDir, { recursive: true, force: true });
  });
});
