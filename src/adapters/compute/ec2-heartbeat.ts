/**
 * Worker heartbeats in the control bucket: `heartbeats/<name>.json` = { name, at, busy, runtime? }.
 * The worker's side of the EC2 pool: a worker on a machine of its own writes one every few seconds once
 * its model is loaded and it polls the queue (Ec2HeartbeatReporter); the EC2 instance pool reads them
 * (heartbeatReader) to tell `ready` and `busy`, which EC2 cannot know.
 */
import { NotFoundError } from '../../domain/errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { WorkerReporter } from '../../ports/worker-reporter.js';
import { writePeriodically } from './periodic-object.js';
import { runShutdownCommand, watchUnattended, type UnattendedWatch } from './unattended-shutdown.js';

export interface Heartbeat {
  readonly name: string;
  /** Epoch milliseconds of the write, by the worker's clock. */
  readonly at: number;
  /** Messages the worker held at that moment. */
  readonly busy: number;
  /** What runs the model (see WorkerReporter.ready). */
  readonly runtime?: string;
}

export const HEARTBEAT_PREFIX = 'heartbeats/';
/** How often startHeartbeat writes by default. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

export function heartbeatKey(name: string): string {
  return `${HEARTBEAT_PREFIX}${name}.json`;
}

export async function writeHeartbeat(
  store: ObjectStore,
  controlBucket: string,
  name: string,
  state: { busy: number; runtime?: string },
  now: number = Date.now(),
): Promise<Heartbeat> {
  const heartbeat: Heartbeat = { name, at: now, ...state };
  await store.put(controlBucket, heartbeatKey(name), Buffer.from(JSON.stringify(heartbeat)), {
    contentType: 'application/json',
  });
  return heartbeat;
}

function parseHeartbeat(text: string, name: string): Heartbeat | undefined {
  try {
    const value = JSON.parse(text) as Partial<Heartbeat>;
    if (typeof value.at !== 'number' || typeof value.busy !== 'number') return undefined;
    const runtime = typeof value.runtime === 'string' ? { runtime: value.runtime } : {};
    return { name, at: value.at, busy: value.busy, ...runtime };
  } catch {
    return undefined;
  }
}

/** The last heartbeat of worker `name`; undefined when it never wrote one (or wrote garbage). */
export async function readHeartbeat(store: ObjectStore, controlBucket: string, name: string): Promise<Heartbeat | undefined> {
  try {
    const bytes = await store.get(controlBucket, heartbeatKey(name));
    return parseHeartbeat(bytes.toString('utf8'), name);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Removes the heartbeat, so that a stopped worker is not taken for a ready one. */
export async function deleteHeartbeat(store: ObjectStore, controlBucket: string, name: string): Promise<void> {
  await store.delete(controlBucket, heartbeatKey(name));
}

export interface HeartbeatWriter {
  /** Writes one heartbeat now (e.g. when the busy count changed). */
  beat(): Promise<void>;
  /** Stops writing and deletes the heartbeat. */
  stop(): Promise<void>;
}

/**
 * Writes a heartbeat at once and then every `intervalMs` until stop(), which deletes it. Write failures go to
 * `onError` and never stop the timer: a missed beat only makes the instance look not ready for a while.
 */
export function startHeartbeat(options: {
  store: ObjectStore;
  controlBucket: string;
  name: string;
  busy: () => number;
  /** What runs the model, written with every beat. */
  runtime?: string;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): HeartbeatWriter {
  const { store, controlBucket, name } = options;
  const writer = writePeriodically({
    store,
    bucket: controlBucket,
    key: heartbeatKey(name),
    body: (): Heartbeat => ({ name, at: Date.now(), busy: options.busy(), runtime: options.runtime }),
    intervalMs: options.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    onError: options.onError,
  });
  return {
    beat: writer.beat,
    stop: async () => {
      await writer.stop();
      await deleteHeartbeat(store, controlBucket, name).catch((error: unknown) => options.onError?.(error));
    },
  };
}

/** `(name) => readHeartbeat(store, controlBucket, name)`: the `heartbeats` option of the EC2 instance pool. */
export function heartbeatReader(store: ObjectStore, controlBucket: string): (name: string) => Promise<Heartbeat | undefined> {
  return (name) => readHeartbeat(store, controlBucket, name);
}

export interface Ec2HeartbeatReporterOptions {
  readonly store: ObjectStore;
  readonly controlBucket: string;
  /** The instance's name (`app-tier-instance-<n>`), which the pool finds in the instance's Name tag. */
  readonly name: string;
  readonly intervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /** No work and no autoscaler heartbeat for this long: the worker gives up its machine (default: never). */
  readonly unattendedShutdownMs?: number;
  /** What gives the machine up, run on close() after that (e.g. `sudo shutdown -h now`). */
  readonly shutdownCommand?: readonly string[];
  /** How the shutdown command ended, for the log. */
  readonly onShutdown?: (outcome: string) => void;
}

/**
 * A worker on EC2 reports through heartbeat objects: from ready() on, one every `intervalMs` with the
 * last busy count. A busy change is not written at once (that would be two writes per message); the next
 * beat carries it. The machine belongs to the worker; its owner counts as gone only when nobody drives the app
 * tier any more (no work and no autoscaler heartbeat for `unattendedShutdownMs`, see unattended-shutdown.ts),
 * and then close() runs the shutdown command once the worker has stopped.
 */
export class Ec2HeartbeatReporter implements WorkerReporter {
  readonly ownerGone: Promise<void>;
  private readonly options: Ec2HeartbeatReporterOptions;
  private readonly watch: UnattendedWatch | undefined;
  private unattended = false;
  private held = 0;
  private writer?: HeartbeatWriter;

  constructor(options: Ec2HeartbeatReporterOptions) {
    this.options = options;
    const afterMs = options.unattendedShutdownMs;
    this.watch = afterMs === undefined ? undefined : watchUnattended({ ...options, afterMs, busy: () => this.held });
    this.ownerGone = this.watch === undefined ? new Promise<void>(() => undefined) : this.watch.unattended.then(() => void (this.unattended = true));
  }

  ready(runtime: string): void {
    if (this.writer !== undefined) return;
    this.writer = startHeartbeat({ ...this.options, runtime, busy: () => this.held });
  }

  busy(count: number): void {
    this.held = count;
    this.watch?.noteWork();
  }

  async close(): Promise<void> {
    this.watch?.stop();
    await this.writer?.stop();
    if (!this.unattended || this.options.shutdownCommand === undefined) return;
    const outcome = await runShutdownCommand(this.options.shutdownCommand);
    this.options.onShutdown?.(outcome);
  }
}
