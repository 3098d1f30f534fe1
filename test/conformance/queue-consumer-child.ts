/**
 * A separate OS process that uses a queue, for the conformance suite's multi-process cases.
 * Usage: node queue-consumer-child.js '<ConsumerJob as JSON>'   (or the JSON on stdin's first line)
 * Writes one JSON object per line to stdout: {"event":"ready"} first, then what the mode reports.
 *
 * - mode "consume": after "ready", waits for a line "go" on stdin, then receives (up to 5 at a time, holding
 *   each batch one event-loop turn before deleting it) until a receive comes back empty or `count` messages
 *   were received; prints {"event":"done","ids":[...]}.
 * - mode "churn": sends `count` messages, prints {"event":"sent","ids":[...]}, then receives and releases
 *   messages without end (half are released at once, half kept in flight) until it is killed.
 */
import { createInterface } from 'node:readline';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createQueueSystem } from '../../src/adapters/queue/index.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import type { Queue } from '../../src/ports/queue.js';

export interface ConsumerJob {
  readonly config: ConfigInput;
  readonly queue: string;
  readonly mode: 'consume' | 'churn';
  readonly count: number;
  readonly visibilityTimeoutSeconds: number;
}

function report(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function readJob(lines: AsyncIterator<string>): Promise<ConsumerJob> {
  const fromArgv = process.argv[2];
  const text = fromArgv ?? (await lines.next()).value;
  if (typeof text !== 'string') throw new Error('no job given on argv or stdin');
  return JSON.parse(text) as ConsumerJob;
}

async function consume(queue: Queue, job: ConsumerJob, lines: AsyncIterator<string>): Promise<void> {
  let go = await lines.next();
  while (!go.done && go.value.trim() !== 'go') go = await lines.next();
  const ids: string[] = [];
  while (ids.length < job.count) {
    const batch = await queue.receive({ maxMessages: 5, visibilityTimeoutSeconds: job.visibilityTimeoutSeconds });
    if (batch.length === 0) break;
    for (const message of batch) ids.push(message.id);
    await nextTurn();
    for (const message of batch) await queue.delete(message.receiptHandle);
  }
  report({ event: 'done', ids });
}

async function churn(queue: Queue, job: ConsumerJob): Promise<never> {
  const ids: string[] = [];
  for (let i = 0; i < job.count; i += 1) ids.push(await queue.send(`churn message ${i}`));
  report({ event: 'sent', ids });
  for (;;) {
    const batch = await queue.receive({ maxMessages: 10, visibilityTimeoutSeconds: job.visibilityTimeoutSeconds });
    for (const [index, message] of batch.entries()) {
      if (index % 2 === 0) await queue.changeVisibility(message.receiptHandle, 0);
    }
    await nextTurn();
  }
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const job = await readJob(lines);
  const system = await createQueueSystem(loadConfig(job.config, {}));
  const queue = await system.open(job.queue);
  report({ event: 'ready' });
  if (job.mode === 'churn') await churn(queue, job);
  else await consume(queue, job, lines);
  await system.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
