/**
 * Cost of the embedded queue, for one or more SQLite drivers and builds side by side in one run.
 *   node dist/bench/queue-roundtrip.js [roundTrips=5000] [pings=200] [--drivers node:sqlite,better-sqlite3]
 *        [--baseline <dist folder of another build>]... [--rounds 3]
 * 1. In-process: send → receive → delete, one message at a time.
 * 2. Cross-process: ping-pong with a child process (parent sends on `ping`, the child long-polls it and
 *    answers on `pong`); one-way latency = round trip / 2. Other processes' sends are found by polling.
 * Each round measures every subject once, in turn (this build on each driver, then the baseline build with its
 * own driver), so that a drift of the machine touches all of them alike; the medians over the rounds are printed
 * with each subject's ratio to the first.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EmbeddedQueueSystem } from '../src/adapters/queue/index.js';
import { availableSqliteDrivers, type SqliteDriverName } from '../src/adapters/queue/sqlite-driver.js';
import type { Queue, QueueSystem } from '../src/ports/queue.js';

interface Subject {
  readonly label: string;
  open(dbPath: string): Promise<QueueSystem>;
  /** The script and arguments of the child that answers pings on the same database. */
  childArgs(dbPath: string): { script: string; args: string[] };
}

interface Measure {
  readonly perTripUs: number[];
  readonly oneWayMeanMs: number[];
  readonly oneWayP50Ms: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);

async function inProcess(queue: Queue, count: number): Promise<number> {
  for (let i = 0; i < 200; i += 1) await roundTrip(queue);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) await roundTrip(queue);
  return ((performance.now() - started) * 1000) / count;
}

async function roundTrip(queue: Queue): Promise<void> {
  await queue.send('{"requestId":"bench"}');
  const [message] = await queue.receive();
  if (!message) throw new Error('message not received');
  await queue.delete(message.receiptHandle);
}

async function crossProcess(system: QueueSystem, child: { script: string; args: string[] }, pings: number): Promise<number[]> {
  const ping = await system.create('ping');
  const pong = await system.create('pong');
  const process = fork(child.script, child.args);
  await new Promise((ready) => process.once('message', ready));
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
  await new Promise((exited) => process.once('exit', exited));
  return latencies.sort((a, b) => a - b);
}

async function runChild(dbPath: string, driver: SqliteDriverName | undefined): Promise<void> {
  const system = new EmbeddedQueueSystem(dbPath, { driver });
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

const THIS_SCRIPT = fileURLToPath(import.meta.url);

function driverSubject(driver: SqliteDriverName): Subject {
  return {
    label: `this build, ${driver}`,
    open: async (dbPath) => new EmbeddedQueueSystem(dbPath, { driver }),
    childArgs: (dbPath) => ({ script: THIS_SCRIPT, args: ['--child', dbPath, driver] }),
  };
}

/** Another build's queue (its dist folder), with whatever driver that build uses. */
async function baselineSubject(dist: string): Promise<Subject> {
  const folder = resolve(dist);
  const module = (await import(pathToFileURL(join(folder, 'src/adapters/queue/index.js')).href)) as {
    EmbeddedQueueSystem: new (path: string) => QueueSystem;
  };
  return {
    label: `baseline ${folder}`,
    open: async (dbPath) => new module.EmbeddedQueueSystem(dbPath),
    childArgs: (dbPath) => ({ script: join(folder, 'bench/queue-roundtrip.js'), args: ['--child', dbPath] }),
  };
}

async function measureOnce(subject: Subject, roundTrips: number, pings: number, into: Measure): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'scaleface-bench-queue-'));
  const dbPath = join(dir, 'queue.db');
  const system = await subject.open(dbPath);
  try {
    into.perTripUs.push(await inProcess(await system.create('roundtrip'), roundTrips));
    const latencies = await crossProcess(system, subject.childArgs(dbPath), pings);
    into.oneWayMeanMs.push(latencies.reduce((a, b) => a + b, 0) / latencies.length);
    into.oneWayP50Ms.push(percentile(latencies, 50));
  } finally {
    await system.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(subjects: Subject[], measures: Measure[], rounds: number): void {
  console.log(`Node ${process.version}, ${rounds} round(s), medians over rounds; ratio = subject ÷ first subject`);
  const first = measures[0]!;
  subjects.forEach((subject, i) => {
    const m = measures[i]!;
    const trip = median(m.perTripUs);
    const ratio = (trip / median(first.perTripUs)).toFixed(2);
    console.log(
      `${subject.label}: in-process send+receive+delete ${trip.toFixed(1)} µs (×${ratio}; rounds ${m.perTripUs.map((v) => v.toFixed(1)).join(', ')}); ` +
        `cross-process one way mean ${median(m.oneWayMeanMs).toFixed(2)} ms, p50 ${median(m.oneWayP50Ms).toFixed(2)} ms`,
    );
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return runChild(process.argv[3] ?? '', process.argv[4] as SqliteDriverName | undefined);
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { drivers: { type: 'string' }, baseline: { type: 'string', multiple: true }, rounds: { type: 'string', default: '1' } },
  });
  const roundTrips = Number(positionals[0] ?? 5000);
  const pings = Number(positionals[1] ?? 200);
  const rounds = Number(values.rounds);
  const drivers = (values.drivers?.split(',') as SqliteDriverName[] | undefined) ?? availableSqliteDrivers();
  const subjects = drivers.map(driverSubject);
  for (const dist of values.baseline ?? []) subjects.push(await baselineSubject(dist));
  const measures: Measure[] = subjects.map(() => ({ perTripUs: [], oneWayMeanMs: [], oneWayP50Ms: [] }));
  for (let round = 0; round < rounds; round += 1) {
    for (const [i, subject] of subjects.entries()) await measureOnce(subject, roundTrips, pings, measures[i]!);
  }
  report(subjects, measures, rounds);
}

await main();
