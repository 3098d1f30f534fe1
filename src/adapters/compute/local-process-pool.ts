/**
 * App-tier instances as child processes of this one: the local stand-in for EC2. Children report `ready`
 * and their busy count over IPC (local-process-protocol.ts) and are stopped with SIGTERM, then SIGKILL.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { BackendUnavailableError } from '../../domain/errors.js';
import { instanceNumber, lowestFreeNames } from '../../domain/instance-names.js';
import type { Instance, InstancePool, InstanceState } from '../../ports/instance-pool.js';
import { isProtocolMessage } from './local-process-protocol.js';

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
  readonly launchedAt: number;
  readonly exited: Promise<void>;
  ready: boolean;
  busy: number;
  runtime?: string;
  stopping: boolean;
  killTimer?: NodeJS.Timeout;
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
    const byNumber = (a: Child, b: Child) => (instanceNumber(a.name) ?? 0) - (instanceNumber(b.name) ?? 0);
    return [...this.children.values()].sort(byNumber).map((c) => this.describe(c));
  }

  async launch(count: number): Promise<Instance[]> {
    if (this.closed) throw new BackendUnavailableError('the process pool is closed', { retryable: false });
    const launched: Instance[] = [];
    for (const name of lowestFreeNames([...this.children.values()].map((c) => c.name), count)) {
      launched.push(this.describe(await this.spawnChild(name)));
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
    const { id, name, launchedAt, busy, runtime } = child;
    // A stopping worker polls no more: not ready, as the EC2 pool says of a shutting-down instance.
    const ready = child.ready && !child.stopping;
    return { id, name, state, launchedAt, ready, busy, ...(runtime === undefined ? {} : { runtime }) };
  }

  private openStdio(name: string): { stdio: StdioOptions; fds: number[] } {
    if (this.options.logDir === undefined) return { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], fds: [] };
    const fd = openSync(join(this.options.logDir, `${name}.log`), 'a');
    return { stdio: ['ignore', fd, fd, 'ipc'], fds: [fd] };
  }

  private async spawnChild(name: string): Promise<Child> {
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
    return this.track(proc, name);
  }

  /** A spawn without a pid reports why through its 'error' event. */
  private spawnFailure(proc: ChildProcess, name: string): Promise<Error> {
    return new Promise((resolve) => {
      proc.once('error', (error) => resolve(new BackendUnavailableError(`cannot start ${name}: ${error.message}`, { cause: error })));
    });
  }

  private track(proc: ChildProcess, name: string): Child {
    const id = String(proc.pid);
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const child: Child = { process: proc, id, name, launchedAt: Date.now(), exited, ready: false, busy: 0, stopping: false };
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
