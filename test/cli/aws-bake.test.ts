/**
 * `scaleface aws bake` in process, on a mocked EC2 API and the embedded buckets: the worker whose heartbeat says
 * ready is imaged, the output names the image and the deploy command, and without a ready worker nothing is made.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateImageCommand, DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { heartbeatKey } from '../../src/adapters/compute/ec2-heartbeat.js';
import { runAwsBake } from '../../src/cli/aws-bake.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createBackends, ensureBuckets } from '../../src/system/backends.js';
import { ours } from '../helpers/ec2-mock.js';

const ec2 = mockClient(EC2Client);
let dataDir: string;
let config: Config;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-bake-'));
  config = loadConfig({ dataDir, prefix: 'sf', compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-1', region: 'eu-west-1' } } }, {});
  const backends = await createBackends(config);
  await ensureBuckets(backends);
  // app-tier-instance-2 is ready (a fresh heartbeat); app-tier-instance-1 still boots.
  await backends.store.put(backends.names.controlBucket, heartbeatKey('app-tier-instance-2'), Buffer.from(JSON.stringify({ name: 'app-tier-instance-2', at: Date.now(), busy: 0 })));
  await backends.queues.close();
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  ec2.reset();
  ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0fresh' });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0fresh', State: 'available' }] });
});

describe('scaleface aws bake', () => {
  test('images the ready worker and prints the deploy command that uses the image', async () => {
    const launched = new Date(Date.now() - 60_000);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [ours('i-01', 1, 'running', launched), ours('i-02', 2, 'running', launched)] }] });
    const lines: string[] = [];
    assert.equal(await runAwsBake(config, { wait: true }, (line) => lines.push(line)), 'ami-0fresh');
    assert.equal(ec2.commandCalls(CreateImageCommand)[0]?.args[0].input.InstanceId, 'i-02');
    assert.match(lines[0] ?? '', /^making image sf-worker-\d{8}-\d{6} from i-02 \(app-tier-instance-2\)/);
    assert.ok(lines.includes('image ami-0fresh: available'), lines.join('\n'));
    assert.match(lines.at(-1) ?? '', /^next: npx cdk deploy -c prefix=sf -c amiId=ami-0fresh/);
  });

  test('without a ready worker it says what to do and makes no image', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [ours('i-01', 1, 'running')] }] });
    await assert.rejects(runAwsBake(config, { wait: true }, () => undefined), /no ready app-tier worker/);
    assert.equal(ec2.commandCalls(CreateImageCommand).length, 0);
  });

  test('refuses to run on the local compute backend', async () => {
    const local = loadConfig({ dataDir, prefix: 'sf' }, {});
    await assert.rejects(runAwsBake(local, { wait: false }, () => undefined), /bake needs compute.backend = ec2/);
  });
});
