import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { activeInstances, enrollAndRecognizeDemoPeople, upload } from '../helpers/http-scenarios.js';
import { waitUntil } from '../helpers/wait.js';
import { blankJpeg, degraded, demoPhoto } from '../helpers/images.js';
import { demoFace } from '../recognition/support.js';

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('the real system on embedded backends (web tier, autoscaler, worker processes)', () => {
  let system: RunningSystem;
  let dataDir: string;
  let face: Buffer;
  let blank: Buffer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-e2e-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { port: 0 },
        queue: { visibilityTimeoutSeconds: 2 },
        autoscaler: { maxInstances: 2, idleWindowMs: 500, tickMs: 200 },
      },
      {},
    );
    system = await startSystem(config);
    face = demoPhoto('sample1.jpg');
    blank = await blankJpeg();
  });
  after(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('enroll through the API, then uploads are recognized and stored in both buckets', async () => {
    await enrollAndRecognizeDemoPeople(system);
  });

  test('`scaleface load` against the running service prints the course statistics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-load-'));
    try {
      await writeFile(join(dir, 'alice_a.jpg'), await degraded(await demoFace('a1')));
      await writeFile(join(dir, 'bea_b.jpg'), await degraded(await demoFace('b')));
      await writeFile(join(dir, 'nobody.jpg'), blank);
      // One expectation is wrong on purpose: the statistics must count it as a wrong prediction.
      await writeFile(join(dir, 'expected.csv'), 'Image,Results\nalice_a,Alice\nbea_b,Bea\nnobody,Alice\n');
      const cli = join(process.cwd(), 'dist/src/cli/main.js');
      const args = [cli, 'load', '--url', system.url, '--dir', dir, '--requests', '6', '--concurrency', '3', '--expected', join(dir, 'expected.csv')];
      // Asynchronously: the service answering the requests runs in this very process.
      const run = await runCli(args);
      assert.equal(run.status, 1, `exit 1 because of the wrong prediction\n${run.stderr}`);
      const lines = run.stdout.split('\n');
      const start = lines.indexOf('+++++ Test Result Statistics +++++');
      assert.ok(start >= 0, run.stdout);
      assert.deepEqual(lines.slice(start + 1, start + 6), [
        'Total number of requests: 6',
        'Total number of requests completed successfully: 6',
        'Total number of failed requests: 0',
        'Total number of correct predictions : 4',
        'Total number of wrong predictions: 2',
      ]);
      assert.match(lines[start + 6]!, /^Total Test Duration: \d+\.\d+ \(seconds\)$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('scales 0 → n → 0 around a burst and answers every request', async () => {
    await waitUntil('instances back at 0', async () => (await activeInstances(system)) === 0, 10_000);
    let peak = 0;
    const runtimes = new Set<string>();
    const sampler = setInterval(() => {
      void activeInstances(system).then((n) => (peak = Math.max(peak, n)));
      // What the status route shows: each ready worker says what runs its model.
      void fetch(new URL('/v1/status', system.url))
        .then((r) => r.json() as Promise<{ instances: { ready: boolean; runtime?: string }[] }>)
        .then(({ instances }) => instances.filter((i) => i.ready).forEach((i) => runtimes.add(String(i.runtime))));
    }, 20);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(system.url, `burst_${i}.jpg`, i % 2 ? face : blank)),
    );
    clearInterval(sampler);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `burst_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    assert.ok(peak >= 1 && peak <= 2, `peak instance count ${peak} must be within 1..2`);
    assert.ok(runtimes.size > 0, 'a ready worker was seen in /v1/status');
    for (const runtime of runtimes) assert.match(runtime, /^onnx: onnxruntime-node \d+\.\d+\.\d+ \(1 thread per net\)$/);
    await waitUntil('instances back at 0', async () => (await activeInstances(system)) === 0, 10_000);
    await waitUntil('stopped instances gone', async () => (await system.pool.list()).length === 0, 10_000);
    const { names, store } = system.backends;
    assert.equal((await store.list(names.inputBucket, 'burst_')).length, 8);
    assert.equal((await store.get(names.outputBucket, 'burst_1')).toString(), 'Unknown');
    // The status shows what the autoscaler saw at its last tick: wait for a tick after the instances were gone.
    let status: Record<string, unknown> = {};
    await waitUntil('the status shows no instance', async () => {
      status = (await (await fetch(new URL('/v1/status', system.url))).json()) as Record<string, unknown>;
      return Array.isArray(status.instances) && status.instances.length === 0;
    }, 10_000);
    assert.equal(status.backlog, 0);
    assert.deepEqual(status.instances, []);
    assert.match(String((status.lastDecision as { reason: string }).reason), /backlog 0/);
  });

  test('a worker killed with SIGKILL in the middle loses no request', async () => {
    const pending = Array.from({ length: 16 }, (_, i) => upload(system.url, `kill_${i}.jpg`, i % 2 ? face : blank));
    let victim: string | undefined;
    await waitUntil('a busy worker', async () => {
      victim = (await system.pool.list()).find((i) => (i.busy ?? 0) > 0)?.id;
      return victim !== undefined;
    }, 20_000);
    process.kill(Number(victim), 'SIGKILL');
    const answers = await Promise.all(pending);
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `kill_${i}:${i % 2 ? 'Unknown' : 'NoFace'}` }));
    const { names, store, queues } = system.backends;
    assert.equal((await store.list(names.outputBucket, 'kill_')).length, 16);
    const deadLetters = await queues.open(names.deadLetterQueue);
    assert.deepEqual(await deadLetters.depth(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.ok(!(await system.pool.list()).some((i) => i.id === victim), 'the killed instance left the pool');
  });
});
