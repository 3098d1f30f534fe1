/**
 * What `scaleface up`'s close does to the app tier: only the process that runs the autoscaler releases the
 * pool, and on EC2 that release leaves the instances running for the next autoscaler (a restart of the web
 * service must not terminate the app tier). EC2's API is mocked; queue and buckets are the embedded ones.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client, EC2ServiceException, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { AUTOSCALER_HEARTBEAT_KEY } from '../../src/adapters/compute/autoscaler-heartbeat.js';
import { APP_TIER_ROLE, PREFIX_TAG_KEY, ROLE_TAG_KEY } from '../../src/adapters/compute/ec2-pool.js';
import { loadConfig } from '../../src/config/index.js';
import { startSystem } from '../../src/system/up.js';
import { waitUntil } from '../helpers/wait.js';

const ec2 = mockClient(EC2Client);
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'scaleface-up-close-'));
  ec2.reset();
  const running = {
    InstanceId: 'i-running',
    State: { Name: 'running' as const },
    LaunchTime: new Date(),
    Tags: [
      { Key: 'Name', Value: 'app-tier-instance-1' },
      { Key: ROLE_TAG_KEY, Value: APP_TIER_ROLE },
      { Key: PREFIX_TAG_KEY, Value: 'scaleface' },
    ],
  };
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [running] }] });
  // The autoscaler's start asks EC2 with dry runs whether it may launch and terminate: allowed.
  const dryRunOnly = (what: string) => (input: { DryRun?: boolean }) => {
    if (input.DryRun === true) throw new EC2ServiceException({ name: 'DryRunOperation', message: 'would have succeeded', $fault: 'client', $metadata: {} });
    throw new Error(`this test ${what}`);
  };
  ec2.on(TerminateInstancesCommand).callsFake(dryRunOnly('terminates nothing'));
  ec2.on(RunInstancesCommand).callsFake(dryRunOnly('launches nothing'));
});

/** TerminateInstances calls that were not dry runs. */
const terminations = () => ec2.commandCalls(TerminateInstancesCommand).filter((call) => call.args[0].input.DryRun !== true).length;

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function ec2Config(autoscalerEnabled: boolean) {
  return loadConfig(
    {
      dataDir,
      logLevel: 'silent',
      web: { port: 0 },
      compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-0123456789abcdef0' } },
      autoscaler: { enabled: autoscalerEnabled, maxInstances: 2 },
    },
    {},
  );
}

describe('closing up on EC2', () => {
  test('a web instance without the autoscaler neither closes the pool nor terminates anything', async () => {
    const system = await startSystem(ec2Config(false));
    let poolClosed = false;
    const close = system.pool.close.bind(system.pool);
    system.pool.close = async () => {
      poolClosed = true;
      await close();
    };
    const { store, names } = system.backends;
    await system.close();
    assert.equal(poolClosed, false, 'the pool belongs to the autoscaler process');
    assert.equal(await store.head(names.controlBucket, AUTOSCALER_HEARTBEAT_KEY), undefined, 'no autoscaler, no autoscaler heartbeat');
    assert.equal(terminations(), 0);
  });

  test('a restart of the autoscaler process leaves running workers for the next autoscaler to adopt', async () => {
    const system = await startSystem(ec2Config(true));
    await waitUntil('the autoscaler listed the fleet', () => ec2.commandCalls(DescribeInstancesCommand).length > 0);
    const { store, names } = system.backends;
    await waitUntil('the autoscaler heartbeat is written', async () => (await store.head(names.controlBucket, AUTOSCALER_HEARTBEAT_KEY)) !== undefined);
    await system.close();
    assert.equal(terminations(), 0, 'no instance was terminated on close');
  });
});
