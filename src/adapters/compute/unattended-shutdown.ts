/**
 * The worker side of "nothing is left running when the autoscaler died": an EC2 worker that has had no work and
 * no fresh autoscaler heartbeat for `afterMs` gives up its machine. The watch only decides; the reporter ends the
 * worker (its owner is gone) and, once the worker has stopped, runs the shutdown command (the launch template's
 * instance-initiated shutdown behaviour, terminate, turns that into a termination).
 */
import { spawn } from 'node:child_process';
import type { ObjectStore } from '../../ports/object-store.js';
import { readAutoscalerHeartbeat } from './autoscaler-heartbeat.js';

export interface UnattendedWatchOptions {
  readonly store: ObjectStore;
  readonly controlBucket: string;
  /** No work and no autoscaler heartbeat for this long: unattended. */
  readonly afterMs: number;
  /** Messages the worker holds now. */
  readonly busy: () => number;
  readonly onError?: (error: unknown) => void;
}

export interface UnattendedWatch {
  /** Settles once the worker is unattended. */
  readonly unattended: Promise<void>;
  /** The worker held work or was told of a busy change: idleness counts from now. */
  noteWork(): void;
  stop(): void;
}

/** Checks a few times per bound (at most every 30 s) whether the worker is idle and unattended. */
export function watchUnattended(options: UnattendedWatchOptions): UnattendedWatch {
  const startedAt = Date.now();
  let lastWorkAt = startedAt;
  let settle: () => void = () => undefined;
  const unattended = new Promise<void>((resolve) => (settle = resolve));
  const check = async () => {
    const now = Date.now();
    if (options.busy() > 0) lastWorkAt = now;
    if (now - lastWorkAt < options.afterMs) return;
    const beatAt = await readAutoscalerHeartbeat(options.store, options.controlBucket).catch((error: unknown) => {
      options.onError?.(error);
      return now; // an unreadable bucket says nothing about the autoscaler: count it as attended
    });
    if (now - Math.max(beatAt ?? 0, startedAt) < options.afterMs) return;
    clearInterval(timer);
    settle();
  };
  const timer = setInterval(() => void check(), Math.max(50, Math.min(30_000, options.afterMs / 4)));
  timer.unref();
  return { unattended, noteWork: () => (lastWorkAt = Date.now()), stop: () => clearInterval(timer) };
}

/** Runs the shutdown command (e.g. `sudo shutdown -h now`); resolves with how it ended, never rejects. */
export function runShutdownCommand(command: readonly string[]): Promise<string> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    const child = spawn(file ?? 'false', args, { stdio: 'inherit' });
    child.once('error', (error) => resolve(`could not run ${command.join(' ')}: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`${command.join(' ')} exited with ${code ?? signal}`));
  });
}
