/**
 * Cost of the embedded queue.
 *   node dist/bench/queue-roundtrip.js [roundTrips=5000] [pings=200]
 * 1. In-process: send → receive → delete, one message at a time.
 * 2. Cross-process: ping-pong with a child process (parent sends on `ping`, the child long-polls it and
 *    answers on `pong`); one-way latency = round trip / 2. Other processes' sends are found by polling.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { EmbeddedQueueSystem } from '../src/adapters/queue/index.js';
import type { Queue } from '../src/ports/queue.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function inProcess(queue: Queue, count: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) await roundTrip(queue);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) await roundTrip(queue);
  const perTripUs = ((performance.now() - started) * 1000) / count;
  console.log(`in-process send+receive+delete: ${perTripUs.toFixed(1)} µs per round trip (${count} trips)`);
}

async function roundTrip(queue: Queue): Promise<void> {
  await queue.send('{"requestId":"bench"}');
  const [message] = await queue.receive();
  if (!message) throw new Error('message not received');
  await queue.delete(message.receiptHandle);
}

async function crossProcess(system: EmbeddedQueueSystem, dbPath: string, pings: number): Promise<void> {
  const ping = await system.create('ping');
  const pong = await system.create('pong');
  const child = fork(fileURLToPath(import.meta.url), ['--child', dbPath]);
  await new Promise((resolve) => child.once('message', resolve));
  const latencies: number[] = [];
  for (let i = 0; i < pings + 20; i += 1) {
    const started = performance.now();
    await ping.send(String(i));
    const [answer] = await pong.receive({ waitTimeSeconds: 20 });
    if (!answer) throw new Error('no pong');
    await pong.delete(answer.receiptHandle);
    if (i >= 20) latencies.push((performance.now() - started) / 2);
  }
  await ping.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const [p50, p95, max] = [percentile(latencies, 50), percentile(latencies, 95), latencies.at(-1) ?? NaN];
  console.log(
    `cross-process send→receive (one way = round trip / 2, ${pings} pings): ` +
      `mean ${mean.toFixed(2)} ms, p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms`,
  );
}

async function runChild(dbPath: string): Promise<void> {
  const system = new EmbeddedQueueSystem(dbPath);
  const ping = await system.create('ping');
  const pong = await system.create('pong');
  process.send?.('ready');
  for (;;) {
    const [message] = await ping.receive({ waitTimeSeconds: 20 });
    if (!message) continue;
    await ping.delete(message.receiptHandle);
    if (message.body === 'stop') break;
    await pong.send(message.body);
  }
  await system.close();
  process.disconnect?.();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return runChild(process.argv[3] ?? '');
  const roundTrips = Number(process.argv[2] ?? 5000);
  const pings = Number(process.argv[3] ?? 200);
  const dir = await mkdtemp(join(tmpdir(), 'scaleface-bench-queue-'));
  const dbPath = join(dir, 'queue.db');
  const system = new EmbeddedQueueSystem(dbPath);
  try {
    await inProcess(await system.create('roundtrip'), roundTrips);
    await crossProcess(system, dbPath, pings);
  } finally {
    await system.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
