/**
 * Worker heartbeats in the control bucket (real files in a temp folder, and S3 on fauxqs): the writer and
 * the EC2 worker's reporter built on it, and the EC2 pool (EC2 API mocked) telling readiness from them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { APP_TIER_ROLE, Ec2InstancePool, PREFIX_TAG_KEY, ROLE_TAG_KEY } from '../../../src/adapters/compute/ec2-pool.js';
import { LocalFolderStore } from '../../../src/adapters/storage/local-folder.js';
import { S3ObjectStore } from '../../../src/adapters/storage/s3-store.js';
import {
  Ec2HeartbeatReporter,
  heartbeatKey,
  heartbeatReader,
  readHeartbeat,
  startHeartbeat,
  writeHeartbeat,
} from '../../../src/adapters/compute/ec2-heartbeat.js';
import { waitUntil } from '../../helpers/wait.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../../helpers/fauxqs.js';

useDummyAwsCredentials();
const BUCKET = 'sf-control';

let dir: string;
let store: LocalFolderStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-heartbeats-'));
  store = new LocalFolderStore(dir);
  await store.ensureBucket(BUCKET);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('heartbeat store', () => {
  test('a written heartbeat reads back from heartbeats/<name>.json', async () => {
    const written = await writeHeartbeat(store, BUCKET, 'app-tier-instance-1', { busy: 3 }, 1_700_000_000_000);
    assert.deepEqual(written, { name: 'app-tier-instance-1', at: 1_700_000_000_000, busy: 3 });
    assert.equal(heartbeatKey('app-tier-instance-1'), 'heartbeats/app-tier-instance-1.json');
    assert.deepEqual(JSON.parse((await store.get(BUCKET, 'heartbeats/app-tier-instance-1.json')).toString()), written);
    assert.deepEqual(await readHeartbeat(store, BUCKET, 'app-tier-instance-1'), written);
  });

  test('a missing or garbled heartbeat reads as undefined', async () => {
    assert.equal(await readHeartbeat(store, BUCKET, 'app-tier-instance-404'), undefined);
    await store.put(BUCKET, heartbeatKey('app-tier-instance-9'), Buffer.from('{"at":"yesterday"'));
    assert.equal(await readHeartbeat(store, BUCKET, 'app-tier-instance-9'), undefined);
  });

  test('startHeartbeat writes at once, beat() writes the current busy count, stop() deletes it', async () => {
    let busy = 0;
    const errors: unknown[] = [];
    const writer = startHeartbeat({ store, controlBucket: BUCKET, name: 'app-tier-instance-2', busy: () => busy, intervalMs: 60_000, onError: (e) => errors.push(e) });
    await writer.beat();
    assert.equal((await readHeartbeat(store, BUCKET, 'app-tier-instance-2'))?.busy, 0);
    busy = 2;
    await writer.beat();
    const beat = await readHeartbeat(store, BUCKET, 'app-tier-instance-2');
    assert.equal(beat?.busy, 2);
    assert.ok(beat && Math.abs(beat.at - Date.now()) < 60_000);
    await writer.stop();
    assert.equal(await readHeartbeat(store, BUCKET, 'app-tier-instance-2'), undefined);
    await writer.beat();
    assert.equal(await readHeartbeat(store, BUCKET, 'app-tier-instance-2'), undefined, 'a beat after stop wrote again');
    assert.deepEqual(errors, []);
  });

  test('write failures go to onError and do not throw', async () => {
    const errors: unknown[] = [];
    const writer = startHeartbeat({ store, controlBucket: 'Not A Valid Bucket', name: 'app-tier-instance-3', busy: () => 1, intervalMs: 60_000, onError: (e) => errors.push(e) });
    await writer.beat();
    await writer.stop();
    assert.ok(errors.length >= 1, 'the failed write was not reported');
  });
});

describe('Ec2HeartbeatReporter (the EC2 worker side)', () => {
  test('writes nothing before ready, then heartbeats with its runtime and busy count that the reader reads', async () => {
    const read = heartbeatReader(store, BUCKET);
    const errors: unknown[] = [];
    const reporter = new Ec2HeartbeatReporter({ store, controlBucket: BUCKET, name: 'app-tier-instance-5', intervalMs: 20, onError: (e) => errors.push(e) });
    reporter.busy(1);
    assert.equal(await read('app-tier-instance-5'), undefined, 'a worker that is not ready wrote a heartbeat');
    reporter.ready('onnx: test runtime');
    await waitUntil('the first heartbeat', async () => (await read('app-tier-instance-5')) !== undefined);
    const first = await read('app-tier-instance-5');
    assert.deepEqual(first && { busy: first.busy, runtime: first.runtime }, { busy: 1, runtime: 'onnx: test runtime' });
    reporter.busy(2);
    await waitUntil('a later beat carries the new busy count', async () => (await read('app-tier-instance-5'))?.busy === 2);
    const later = await read('app-tier-instance-5');
    assert.ok(first && later && later.at >= first.at, 'the heartbeat went back in time');
    await reporter.close();
    assert.equal(await read('app-tier-instance-5'), undefined, 'the heartbeat of a closed reporter is still there');
    assert.deepEqual(errors, []);
  });

  test('keeps beating while alive, and its owner is never gone', async () => {
    const reporter = new Ec2HeartbeatReporter({ store, controlBucket: BUCKET, name: 'app-tier-instance-6', intervalMs: 20 });
    reporter.ready('wasm: test');
    await waitUntil('a first beat', async () => (await readHeartbeat(store, BUCKET, 'app-tier-instance-6')) !== undefined);
    const first = await readHeartbeat(store, BUCKET, 'app-tier-instance-6');
    await waitUntil('a newer beat', async () => ((await readHeartbeat(store, BUCKET, 'app-tier-instance-6'))?.at ?? 0) > (first?.at ?? Infinity));
    const settled = await Promise.race([reporter.ownerGone.then(() => 'gone'), new Promise((resolve) => setImmediate(() => resolve('pending')))]);
    assert.equal(settled, 'pending');
    await reporter.close();
  });
});

describe('EC2 pool readiness from heartbeats in S3', () => {
  let fauxqs: Fauxqs;

  before(async () => {
    fauxqs = await startFauxqs();
  });

  after(async () => {
    await fauxqs.stop();
  });

  test('a running instance is ready once its worker wrote a heartbeat, and reports its busy count', async () => {
    const s3 = new S3ObjectStore({ region: fauxqs.region, endpoint: fauxqs.endpoint, forcePathStyle: true });
    await s3.ensureBucket(BUCKET);
    const client = new EC2Client({ region: 'us-east-1' });
    const ec2 = mockClient(client);
    const launchTime = new Date(Date.now() - 60_000);
    const tags = (n: number) => [
      { Key: 'Name', Value: `app-tier-instance-${n}` },
      { Key: ROLE_TAG_KEY, Value: APP_TIER_ROLE },
      { Key: PREFIX_TAG_KEY, Value: 'sf' },
    ];
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-1', State: { Name: 'running' }, LaunchTime: launchTime, Tags: tags(1) },
            { InstanceId: 'i-2', State: { Name: 'running' }, LaunchTime: launchTime, Tags: tags(2) },
          ],
        },
      ],
    });
    const pool = new Ec2InstancePool({ client, region: 'us-east-1', prefix: 'sf', launchTemplateId: 'lt-1', stoppedFleet: false, heartbeats: heartbeatReader(s3, BUCKET) });
    assert.deepEqual((await pool.list()).map((i) => [i.name, i.ready, i.busy]), [
      ['app-tier-instance-1', false, undefined],
      ['app-tier-instance-2', false, undefined],
    ]);
    await writeHeartbeat(s3, BUCKET, 'app-tier-instance-2', { busy: 1 });
    assert.deepEqual((await pool.list()).map((i) => [i.name, i.ready, i.busy]), [
      ['app-tier-instance-1', false, undefined],
      ['app-tier-instance-2', true, 1],
    ]);
  });
});
