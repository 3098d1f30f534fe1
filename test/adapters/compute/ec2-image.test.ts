/**
 * `scaleface aws bake`'s EC2 side (src/adapters/compute/ec2-image.ts) on a mocked EC2 API: which instance an image
 * is made from, the CreateImage request, and waiting for the image to become available.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { CreateImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { bakeImageName, chooseBakeSource, createWorkerImage, waitForImage } from '../../../src/adapters/compute/ec2-image.js';
import type { Instance } from '../../../src/ports/instance-pool.js';
import { awsError, client, ec2 } from '../../helpers/ec2-mock.js';

function worker(id: string, state: Instance['state'], ready: boolean, launchedAt: number): Instance {
  return { id, name: `app-tier-instance-${id.slice(-1)}`, state, ready, launchedAt };
}

beforeEach(() => ec2.reset());

describe('choosing the instance an image is made from', () => {
  const fleet = [worker('i-01', 'running', false, 3000), worker('i-02', 'running', true, 2000), worker('i-03', 'running', true, 1000), worker('i-04', 'stopped', true, 500)];

  test('the longest-running ready worker, or the one named', () => {
    assert.equal(chooseBakeSource(fleet).id, 'i-03');
    assert.equal(chooseBakeSource(fleet, 'i-02').id, 'i-02');
  });

  test('refuses a worker that is not ready, is not running, or is not ours, saying why', () => {
    assert.throws(() => chooseBakeSource(fleet, 'i-01'), /i-01 .*not ready/);
    assert.throws(() => chooseBakeSource(fleet, 'i-04'), /i-04 .*stopped/);
    assert.throws(() => chooseBakeSource(fleet, 'i-09'), /i-09 is not an app-tier instance of this deployment/);
    assert.throws(() => chooseBakeSource(fleet.slice(0, 1)), /no ready app-tier worker.*send it work/s);
  });
});

describe('making the image', () => {
  test('CreateImage names the image after the prefix and the time, tags image and snapshots, and lets EC2 reboot for a consistent disk', async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0abc' });
    const name = bakeImageName('sf', new Date('2030-01-02T03:04:05Z'));
    assert.equal(name, 'sf-worker-20300102-030405');
    const imageId = await createWorkerImage(client, { instanceId: 'i-03', name, prefix: 'sf' });
    assert.equal(imageId, 'ami-0abc');
    const input = ec2.commandCalls(CreateImageCommand)[0]?.args[0].input;
    assert.equal(input?.InstanceId, 'i-03');
    assert.equal(input?.Name, name);
    assert.notEqual(input?.NoReboot, true);
    assert.deepEqual(input?.TagSpecifications?.map((t) => t.ResourceType).sort(), ['image', 'snapshot']);
    for (const spec of input?.TagSpecifications ?? []) assert.ok(spec.Tags?.some((t) => t.Key === 'scaleface:prefix' && t.Value === 'sf'));
  });

  test('a refused CreateImage says which right is missing', async () => {
    ec2.on(CreateImageCommand).rejects(awsError('UnauthorizedOperation', 403));
    await assert.rejects(createWorkerImage(client, { instanceId: 'i-03', name: 'n', prefix: 'sf' }), /ec2:CreateImage/);
  });
});

describe('waiting for the image', () => {
  const noSleep = { pollMs: 1000, timeoutMs: 5000, sleep: async () => undefined };

  test('polls until the image is available, reporting each state', async () => {
    ec2.on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ ImageId: 'ami-0abc', State: 'pending' }] })
      .resolvesOnce({ Images: [{ ImageId: 'ami-0abc', State: 'pending' }] })
      .resolves({ Images: [{ ImageId: 'ami-0abc', State: 'available' }] });
    const states: string[] = [];
    await waitForImage(client, 'ami-0abc', { ...noSleep, onState: (state) => states.push(state) });
    assert.deepEqual(states, ['pending', 'pending', 'available']);
  });

  test('a failed image fails with EC2s reason; one still pending after the timeout fails with TIMEOUT', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0abc', State: 'failed', StateReason: { Message: 'snapshot error' } }] });
    await assert.rejects(waitForImage(client, 'ami-0abc', noSleep), /ami-0abc failed: snapshot error/);
    ec2.reset();
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0abc', State: 'pending' }] });
    let clock = 0;
    const ticking = { ...noSleep, now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    await assert.rejects(waitForImage(client, 'ami-0abc', ticking), (error: Error & { code?: string }) => error.code === 'TIMEOUT' && /still pending after 5 s/.test(error.message));
  });
});
