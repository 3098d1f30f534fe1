/**
 * App-tier instances as child processes of this one: the local stand-in for EC2.
 *
 * IPC protocol (child → parent, over the `ipc` channel of `child_process.spawn`):
 *   { type: 'ready', runtime? }    the model is loaded and the worker polls the request queue;
 *                                  the instance goes from `pending` to `running`. `runtime` says what
 *                                  runs the model (e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`).
 *   { type: 'busy', count: n }     the number of messages the worker holds changed to n (>= 0);
 *                                  the autoscaler never scales in an instance whose count is > 0.
 * Parent → child there are only signals:
 *   SIGTERM                        stop receiving, finish (and delete or release) the messages held, exit;
 *   SIGKILL                        sent `stopTimeoutMs` after SIGTERM if the child is still alive.
 * A child whose IPC channel closes (the parent died) should shut down as on SIGTERM:
 * see `onParentDisconnect`. Children use `reportToParent` to send; it is a no-op without a channel.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { BackendUnavailableError } from '../../domain/errors.js';
import type { Instance, InstancePool, InstanceState } from '../../ports/instance-pool.js';

export interface WorkerReadyMessage {
  readonly type: 'ready';
  readonly runtime?: string;
}

export interface WorkerBusyMessage {
  readonly type: 'busy';
  /** Messages the worker holds right now. */
  readonly count: number;
}

/** Everything a worker child may send to the pool. */
export type WorkerToPoolMessage = WorkerReadyMessage | WorkerBusyMessage;

/** Child side: sends a protocol message to the parent pool; does nothing when there is no IPC channel. */
export function reportToParent(message: WorkerToPoolMessage): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  // The callback swallows ERR_IPC_CHANNEL_CLOSED when the parent goes away mid-send.
  process.send(message, undefined, undefined, () => undefined);
}

/** Child side: calls `handler` once when the IPC channel to the parent closes; does nothing without one. */
export function onParentDisconnect(handler: () => void): void {
  if (typeof process.send !== 'function') return;
  if (!process.connected) setImmediate(handler); // gone before anyone listened
  else process.once('disconnect', handler);
}

export const INSTANCE_NAME_PREFIX = 'app-tier-instance-';

export interface InstanceExit {
  readonly id: string;
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** False when the child died without being asked to stop. */
  readonly expected: boolean;
  /** True when it exited before it reported ready (a failed start). */
  readonly beforeReady: boolean;
}

export interface LocalProcessPoolOptions {
  /** Executable, e.g. process.execPath. */
  readonly command: string;
  /** Arguments of one instance, given its name (`app-tier-instance-<n>`). */
  readonly args: (name: string) => string[];
  /** The child's complete environment; default: the parent's. */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Child stdout and stderr are appended to `<logDir>/<name>.log`; default: inherit the parent's. */
  readonly logDir?: string;
  /** SIGKILL this long after SIGTERM (default 30000). */
  readonly stopTimeoutMs?: number;
  /** Called for every exit, after the instance left list(). */
  readonly onExit?: (exit: InstanceExit) => void;
}

interface Child {
  readonly process: ChildProcess;
  readonly id: string;
  readonly name: string;
  readonly number: number;
  readonly launchedAt: number;
  readonly exited: Promise<void>;
  ready: boolean;
  busy: number;
  runtime?: string;
  stopping: boolean;
  killTimer?: NodeJS.Timeout;
}

function isProtocolMessage(value: unknown): value is WorkerToPoolMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; count?: unknown };
  if (m.type === 'ready') return true;
  return m.type === 'busy' && typeof m.count === 'number' && Number.isInteger(m.count) && m.count >= 0;
}

export class LocalProcessPool implements InstancePool {
  private readonly options: LocalProcessPoolOptions;
  private readonly stopTimeoutMs: number;
  private readonly children = new Map<string, Child>();
  private closed = false;

  constructor(options: LocalProcessPoolOptions) {
    this.options = options;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
  }

  async list(): Promise<Instance[]> {
    return [...this.children.values()].sort((a, b) => a.number - b.number).map((c) => this.describe(c));
  }

  async launch(count: number): Promise<Instance[]> {
    if (this.closed) throw new BackendUnavailableError('the process pool is closed', { retryable: false });
    const launched: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const child = await this.spawnChild(this.lowestFreeNumber());
      launched.push(this.describe(child));
    }
    return launched;
  }

  /** Sends SIGTERM and returns; the child leaves list() when it exits (SIGKILL after stopTimeoutMs). */
  async terminate(id: string): Promise<void> {
    const child = this.children.get(id);
    if (child === undefined || child.stopping) return;
    child.stopping = true;
    child.process.kill('SIGTERM');
    child.killTimer = setTimeout(() => child.process.kill('SIGKILL'), this.stopTimeoutMs);
    child.killTimer.unref();
  }

  /** Resolves when the instance has exited (at once when it is unknown or already gone). */
  async waitForExit(id: string): Promise<void> {
    await this.children.get(id)?.exited;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.children.values()];
    await Promise.all(all.map((c) => this.terminate(c.id)));
    await Promise.all(all.map((c) => c.exited));
  }

  private describe(child: Child): Instance {
    const state: InstanceState = child.stopping ? 'stopping' : child.ready ? 'running' : 'pending';
    const { id, name, launchedAt, ready, busy, runtime } = child;
    return { id, name, state, launchedAt, ready, busy, ...(runtime === undefined ? {} : { runtime }) };
  }

  private lowestFreeNumber(): number {
    const used = new Set([...this.children.values()].map((c) => c.number));
    let n = 1;
    while (used.has(n)) n++;
    return n;
  }

  private openStdio(name: string): { stdio: StdioOptions; fds: number[] } {
    if (this.options.logDir === undefined) return { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], fds: [] };
    const fd = openSync(join(this.options.logDir, `${name}.log`), 'a');
    return { stdio: ['ignore', fd, fd, 'ipc'], fds: [fd] };
  }

  private async spawnChild(number: number): Promise<Child> {
    const name = `${INSTANCE_NAME_PREFIX}${number}`;
    const { stdio, fds } = this.openStdio(name);
    let proc: ChildProcess;
    try {
      proc = spawn(this.options.command, this.options.args(name), { cwd: this.options.cwd, env: this.options.env, stdio });
    } catch (error) {
      throw new BackendUnavailableError(`cannot start ${name}: ${(error as Error).message}`, { cause: error });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    if (proc.pid === undefined) throw await this.spawnFailure(proc, name);
    const child = this.track(proc, name, number);
    return child;
  }

  /** A spawn without a pid reports why through its 'error' event. */
  private spawnFailure(proc: ChildProcess, name: string): Promise<Error> {
    return new Promise((resolve) => {
      proc.once('error', (error) => resolve(new BackendUnavailableError(`cannot start ${name}: ${error.message}`, { cause: error })));
    });
  }

  private track(proc: ChildProcess, name: string, number: number): Child {
    const id = String(proc.pid);
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const child: Child = { process: proc, id, name, number, launchedAt: Date.now(), exited, ready: false, busy: 0, stopping: false };
    this.children.set(id, child);
    proc.on('message', (message: unknown) => this.onMessage(child, message));
    proc.on('error', () => undefined); // kill() on a dead child; the exit handler does the bookkeeping
    proc.once('exit', (code, signal) => {
      clearTimeout(child.killTimer);
      this.children.delete(id);
      markExited();
      this.options.onExit?.({ id, name, code, signal, expected: child.stopping, beforeReady: !child.ready });
    });
    return child;
  }

  private onMessage(child: Child, message: unknown): void {
    if (!isProtocolMessage(message)) return;
    if (message.type === 'ready') {
      child.ready = true;
      if (typeof message.runtime === 'string') child.runtime = message.runtime;
    }
    else child.busy = message.count;
  }
}
