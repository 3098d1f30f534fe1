/**
 * The child side of the local process pool: a worker started by LocalProcessPool reports over its IPC
 * channel (see local-process-protocol.ts) and ends when that channel closes, i.e. when its parent died.
 * Without a channel (a worker started by hand) it reports nothing and its owner is never gone.
 */
import type { WorkerReporter } from '../../ports/worker-reporter.js';
import type { WorkerToPoolMessage } from './local-process-protocol.js';

/** Sends a protocol message to the parent pool; does nothing when there is no IPC channel. */
function reportToParent(message: WorkerToPoolMessage): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  // The callback swallows ERR_IPC_CHANNEL_CLOSED when the parent goes away mid-send.
  process.send(message, undefined, undefined, () => undefined);
}

/** Resolves once the IPC channel to the parent closes; never without one. */
function parentDisconnected(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof process.send !== 'function') return;
    if (!process.connected) setImmediate(resolve); // gone before anyone listened
    else process.once('disconnect', () => resolve());
  });
}

export class LocalProcessReporter implements WorkerReporter {
  /** Listens for the disconnect from construction on: create the reporter before anything slow. */
  readonly ownerGone: Promise<void> = parentDisconnected();

  ready(runtime?: string): void {
    reportToParent(runtime === undefined ? { type: 'ready' } : { type: 'ready', runtime });
  }

  busy(count: number): void {
    reportToParent({ type: 'busy', count });
  }

  async close(): Promise<void> {
    // Nothing to release: the pool learns that the worker stopped from the process's exit.
  }
}
