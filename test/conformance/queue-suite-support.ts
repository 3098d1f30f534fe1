import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../src/config/index.js';
import { ScalefaceError, type ErrorCode } from '../../src/domain/errors.js';
import type { Queue, QueueMessage, QueueSystem } from '../../src/ports/queue.js';
import type { ConsumerJob } from './queue-consumer-child.js';

export interface QueueHarness {
  makeSystem(): Promise<QueueSystem>;
  /** Config overrides (JSON) that make createQueueSystem(loadConfig(overrides)) reach the same backend from a child process. */
  childConfig(): ConfigInput;
  /** True when close + reopen keeps messages (durability test). */
  durable: boolean;
  cleanup?(): Promise<void>;
}

/** A queue name no other test (or suite sharing the backend) uses. */
export function uniqueQueueName(base: string): string {
  return `conf-${base}-${randomBytes(5).toString('hex')}`;
}

export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScalefaceError, `expected a ScalefaceError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/**
 * Long-polls until `count` messages arrived or `rounds` polls of `waitTimeSeconds` came back empty;
 * without `visibilityTimeoutSeconds` the queue's own timeout applies.
 */
export async function receiveMessages(
  queue: Queue,
  count: number,
  options: { waitTimeSeconds?: number; visibilityTimeoutSeconds?: number; rounds?: number } = {},
): Promise<QueueMessage[]> {
  const { waitTimeSeconds = 3, visibilityTimeoutSeconds, rounds = 3 } = options;
  const received: QueueMessage[] = [];
  let emptyRounds = 0;
  while (received.length < count && emptyRounds < rounds) {
    const maxMessages = Math.min(10, count - received.length);
    const batch = await queue.receive({ maxMessages, waitTimeSeconds, visibilityTimeoutSeconds });
    assert.ok(batch.length <= maxMessages, `received ${batch.length} messages, asked for at most ${maxMessages}`);
    received.push(...batch);
    emptyRounds = batch.length === 0 ? emptyRounds + 1 : 0;
  }
  return received;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface QueueChild {
  readonly process: ChildProcess;
  /** The next JSON line the child prints with this `event`. */
  next(event: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the child has ended. */
  readonly exited: Promise<number | string>;
}

const CHILD_SCRIPT = fileURLToPath(new URL('./queue-consumer-child.js', import.meta.url));

/** Starts test/conformance/queue-consumer-child with `job`. */
export function startQueueChild(job: ConsumerJob): QueueChild {
  const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (event: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const line = await lines.next();
      if (line.done) throw new Error(`child ended before "${event}" (exit ${String(await exited)}): ${stderr}`);
      const parsed = JSON.parse(line.value) as Record<string, unknown>;
      if (parsed.event === event) return parsed;
    }
  };
  return { process: child, next, exited };
}

export function idsOf(event: Record<string, unknown>): string[] {
  const ids = event.ids;
  assert.ok(Array.isArray(ids) && ids.every((id) => typeof id === 'string'), 'child reported no ids');
  return ids as string[];
}
