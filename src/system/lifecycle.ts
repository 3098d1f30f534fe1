/**
 * How `scaleface up` and `scaleface worker` answer SIGINT/SIGTERM, in one place. The first signal stops the process
 * gracefully (each brings its own stop and its bound: `up` drains within `web.closeGraceMs`, a worker finishes what
 * it holds within `worker.stopTimeoutMs`), then exits 0, or 1 when stopping failed. A second signal while stopping
 * exits at once with 128 + its number, for an operator who will not wait.
 */
import { constants } from 'node:os';
import type { Logger } from '../ports/logger.js';

export interface SignalOptions {
  readonly log?: Pick<Logger, 'info' | 'error'>;
  /** process.exit in production; tests pass a recorder. */
  readonly exit?: (code: number) => void;
  /** Default SIGINT and SIGTERM. */
  readonly signals?: readonly NodeJS.Signals[];
  /** The line logged on the first signal (none when the stop logs its own). */
  readonly stoppingMessage?: string;
}

/** Installs the handlers; returns a function removing exactly them. */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>, options: SignalOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const { log } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log?.info({ signal }, 'second signal while closing: exiting now');
      return exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    if (options.stoppingMessage !== undefined) log?.info({ signal }, options.stoppingMessage);
    stop(signal).then(
      () => exit(0),
      (error: unknown) => {
        log?.error({ err: error }, 'closing failed');
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
