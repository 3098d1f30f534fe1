/**
 * Every AWS process under exactly its deployed role, on an emulator that enforces IAM (test/iam/emulator/):
 * two web instances' `up`, the autoscaler's `up` launching and ending EC2 instances, a worker per launched
 * instance under the app tier's role, and `aws check` under each role, each with the environment its boot script
 * writes. Any refusal fails the test, naming role, action and resource. Then each statement of each role is
 * dropped in turn and the requests the processes made are decided again: every statement must be needed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { resourceNames } from '../../src/config/names.js';
import { demoFace } from '../recognition/support.js';
import { blankJpeg, degraded, fixturePhoto } from '../helpers/images.js';
import { upload } from '../helpers/http-scenarios.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from './ports.js';
import { emulatorMissing, IamEmulator, refusedBy, type Decision } from './emulator.js';
import { deploy, PREFIX, type Deployment } from './deployment.js';
import type { Tier } from './deployed-roles.js';
import { FakeHypervisor } from './fake-hypervisor.js';
import { runToEnd, TierProcess, tierEnv } from './tier-process.js';

const missing = emulatorMissing();
const names = resourceNames({ prefix: PREFIX });

/** Timings shortened so that the scenario runs in a minute; no setting here changes what a process may do. */
const FAST = {
  web: { livenessIntervalMs: 500, replyQueueStaleAfterMs: 3000, jobTtlMs: 4000, replyTimeoutMs: 120_000 },
  autoscaler: { idleWindowMs: 1500, bootTimeMs: 3000, latencyTargetMs: 6000 },
  compute: { bootDeadlineMs: 90_000, ec2: { heartbeatIntervalMs: 500, unattendedShutdownMs: 2000, shutdownCommand: ['true'] } },
};

interface Running {
  readonly url: string;
  readonly process: TierProcess;
}

describe('every process under exactly its deployed role, IAM enforced', { skip: missing ?? false, timeout: 10 * 60_000 }, () => {
  let emulator: IamEmulator;
  let deployment: Deployment;
  let dataDir: string;
  let hypervisor: FakeHypervisor;
  const started: TierProcess[] = [];

  const envOf = (tier: Tier, sub: string, extraEnv: Record<string, string> = {}) =>
    tierEnv({ bootEnv: deployment.bootEnv[tier], keys: deployment.keys[tier], endpoint: emulator.endpoint, dataDir: join(dataDir, sub), config: FAST, extraEnv });

  async function startUp(tier: 'web' | 'autoscaler', label: string, extraEnv: Record<string, string> = {}): Promise<Running> {
    const port = await freePort();
    const env = envOf(tier, label, { SCALEFACE_PORT: String(port), SCALEFACE_HOST: '127.0.0.1', ...extraEnv });
    const process = new TierProcess(label, ['up'], env);
    started.push(process);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(`${label} answers /healthz`, async () => {
      if (!process.running) throw new Error(`${label} exited: ${process.tail()}`);
      return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    }, 90_000);
    return { url, process };
  }

  const refused = (): Decision[] => emulator.decisions().filter((d) => !d.allowed && !d.principal.endsWith(':user/admin'));
  const describeRefusals = () => refused().map((d) => `${d.principal.split('/').pop()} may not ${d.action} on ${d.resource} ${JSON.stringify(d.context)}`).join('\n');

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-iam-run-'));
    emulator = await IamEmulator.start();
    deployment = await deploy(emulator);
    hypervisor = new FakeHypervisor(deployment.admin.ec2, (name) => envOf('app', `worker-${name}`));
  });
  after(async () => {
    await hypervisor?.stop();
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await emulator?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('web ×2, the autoscaler and its workers serve, scale 0 → n → 0 and stop, with nothing refused', async () => {
    hypervisor.start();
    const autoscaler = await startUp('autoscaler', 'autoscaler');
    const [webA, webB] = [await startUp('web', 'web-a'), await startUp('web', 'web-b')];
    assert.equal(refused().length, 0, describeRefusals());

    for (const [name, face] of [['Alice', 'a1'], ['Bea', 'b']] as const) {
      const form = new FormData();
      form.append('photos', new Blob([new Uint8Array(await demoFace(face))]), `${face}.jpg`);
      const response = await fetch(`${webA.url}/v1/subjects/${name}/examples`, { method: 'POST', body: form });
      assert.equal(response.status, 201, `${await response.text()}\n${describeRefusals()}`);
    }
    const probes = { alice_small: [await degraded(await demoFace('a1')), 'Alice'], bea_small: [await degraded(await demoFace('b')), 'Bea'], empty_room: [await blankJpeg(), 'NoFace'] } as const;
    const answers = await Promise.all(
      Object.entries(probes).map(([stem, [bytes]], n) => upload((n % 2 === 0 ? webA : webB).url, `${stem}.jpg`, bytes)),
    );
    assert.deepEqual(answers.map((a) => `${a.status} ${a.body}`), Object.entries(probes).map(([stem, [, label]]) => `200 ${stem}:${label}`), describeRefusals());
    assert.ok(hypervisor.booted.size >= 1, 'the autoscaler launched instances from zero');

    // An async job queued on one web instance, read back through the other.
    const form = new FormData();
    form.append('inputFile', new Blob([new Uint8Array(await degraded(await demoFace('b')))]), 'job_bea.jpg');
    const accepted = (await (await fetch(`${webA.url}/v1/jobs`, { method: 'POST', body: form })).json()) as { id: string };
    let job: { status?: string; result?: { label?: string } } = {};
    await waitUntil('the job succeeds, read through the other web instance', async () => {
      job = (await (await fetch(`${webB.url}/v1/jobs/${accepted.id}`)).json()) as typeof job;
      return job.status === 'succeeded';
    }, 60_000);

    // The job record expires and is swept; a web process killed outright has its reply queue reaped.
    await waitUntil('the expired job record is swept', () =>
      deployment.admin.s3.send(new HeadObjectCommand({ Bucket: names.controlBucket, Key: `jobs/${accepted.id}.json` })).then(() => false, () => true), 30_000);
    const replyQueues = async () => (await deployment.admin.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${PREFIX}-resp-queue-` }))).QueueUrls ?? [];
    // One per web tier: the two web instances' and the autoscaler instance's own.
    assert.equal((await replyQueues()).length, 3);
    await webB.process.stop('SIGKILL');
    await waitUntil('the dead web process’s reply queue is reaped', async () => (await replyQueues()).length === 2, 30_000);

    await waitUntil('the app tier is back at 0 instances', async () => {
      const out = await deployment.admin.ec2.send(new DescribeInstancesCommand({}));
      const live = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name === 'running' || i.State?.Name === 'pending');
      return live.length === 0 && hypervisor.count === 0;
    }, 60_000);

    assert.equal(await webA.process.stop(), 0, webA.process.tail());
    assert.equal(await autoscaler.process.stop(), 0, autoscaler.process.tail());
    assert.equal(refused().length, 0, describeRefusals());
  });

  test('the objects model answers through a web instance and a worker under their roles', async () => {
    const objects = { SCALEFACE_MODEL: 'objects', SCALEFACE_AUTOSCALER: 'off' };
    const web = await startUp('web', 'web-objects', objects);
    const worker = new TierProcess('worker objects', ['worker', '--name', 'app-tier-instance-objects'], envOf('app', 'worker-objects', { SCALEFACE_MODEL: 'objects' }));
    started.push(worker);
    const answer = await upload(web.url, 'dog.jpg', fixturePhoto('dog.jpg'));
    assert.equal(`${answer.status} ${answer.body}`, '200 dog:dog', `${worker.tail()}\n${describeRefusals()}`);
    assert.equal(await worker.stop(), 0, worker.tail());
    assert.equal(await web.process.stop(), 0, web.process.tail());
    assert.equal(refused().length, 0, describeRefusals());
  });

  test('a collection, its key, enrollment and recognition in it, under the web and app roles', async () => {
    const token = 'iam-collections-admin-token';
    const web = await startUp('web', 'web-collections', { SCALEFACE_AUTOSCALER: 'off', SCALEFACE_AUTH_TOKEN: token });
    const worker = new TierProcess('worker collections', ['worker', '--name', 'app-tier-instance-collections'], envOf('app', 'worker-collections'));
    started.push(worker);
    const send = (path: string, credential: string, body: FormData | object) =>
      fetch(`${web.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, ...(body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
        body: body instanceof FormData ? body : JSON.stringify(body),
      });
    assert.equal((await send('/v1/collections', token, { name: 'iam-c' })).status, 201, describeRefusals());
    const created = await send('/v1/collections/iam-c/keys', token, { scopes: ['enroll', 'recognize'] });
    assert.equal(created.status, 201, describeRefusals());
    const { key } = (await created.json()) as { key: string };
    const photos = new FormData();
    photos.append('photos', new Blob([new Uint8Array(await demoFace('a1'))]), 'a1.jpg');
    assert.equal((await send('/v1/collections/iam-c/subjects/Alice/examples', key, photos)).status, 201, describeRefusals());
    const probe = new FormData();
    probe.append('inputFile', new Blob([new Uint8Array(await degraded(await demoFace('a1')))]), 'alice_in_c.jpg');
    const answer = await send('/v1/collections/iam-c/recognitions', key, probe);
    assert.equal(((await answer.json()) as { label?: string }).label, 'Alice', `${worker.tail()}\n${describeRefusals()}`);
    assert.equal(await worker.stop(), 0, worker.tail());
    assert.equal(await web.process.stop(), 0, web.process.tail());
    assert.equal(refused().length, 0, describeRefusals());
  });

  test('aws check passes under the web and the autoscaler roles', async () => {
    for (const tier of ['web', 'autoscaler'] as const) {
      const { code, output } = await runToEnd(`aws check (${tier})`, ['aws', 'check'], envOf(tier, `check-${tier}`));
      assert.equal(code, 0, `${tier}: ${output}\n${describeRefusals()}`);
    }
    assert.equal(refused().length, 0, describeRefusals());
  });

  test('every statement of every role is needed: dropping any one refuses a request the processes made', () => {
    const decisions = emulator.decisions().filter((d) => d.allowed);
    const unused: string[] = [];
    for (const tier of ['web', 'autoscaler', 'app'] as const) {
      const made = decisions.filter((d) => d.principal.endsWith(`:user/${tier}`));
      const statements = deployment.statements[tier];
      const dropped = statements.map((s, n) => ({ sid: (s as { Sid?: string }).Sid ?? '', n })).filter(({ sid }) => sid.startsWith('Scaleface'));
      assert.ok(dropped.length >= 5, `${tier}: the role has its Scaleface statements`);
      const [whole, ...without] = refusedBy([statements, ...dropped.map(({ n }) => statements.filter((_, k) => k !== n))], made);
      assert.deepEqual(whole, [], `${tier}: the whole policy allows what the emulator allowed`);
      without.forEach((refused, k) => refused.length === 0 && unused.push(`${tier}: ${dropped[k]?.sid ?? ''}`));
    }
    assert.deepEqual(unused, [], 'statements no process needed in this run');
  });
});
