/**
 * IPC protocol between a local worker child and the LocalProcessPool that spawned it, over the `ipc`
 * channel of `child_process.spawn`. Child → parent:
 *   { type: 'ready', runtime? }    the model is loaded and the worker polls the request queue;
 *                                  the instance goes from `pending` to `running`. `runtime` says what
 *                                  runs the model (e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`).
 *   { type: 'busy', count: n }     the number of messages the worker holds changed to n (>= 0);
 *                                  the autoscaler never scales in an instance whose count is > 0.
 * Parent → child there are only signals:
 *   SIGTERM                        stop receiving, finish (and delete or release) the messages held, exit;
 *   SIGKILL                        sent `stopTimeoutMs` after SIGTERM if the child is still alive.
 * A child whose IPC channel closes (the parent died) shuts down as on SIGTERM.
 * The pool side is local-process-pool.ts, the child side local-process-reporter.ts.
 */
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

/** Whether an IPC message from a child is one of ours (anything else is ignored). */
export function isProtocolMessage(value: unknown): value is WorkerToPoolMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; count?: unknown };
  if (m.type === 'ready') return true;
  return m.type === 'busy' && typeof m.count === 'number' && Number.isInteger(m.count) && m.count >= 0;
}
