/**
 * A FaceEmbedder whose model runs in worker threads (embedding-thread.ts), so that a process serving
 * other requests (the web tier, while it enrolls photos) keeps its main thread for I/O: inference per
 * enrolled photo would otherwise stall every request meanwhile.
 *
 * A pool of `threads` threads (default: one per core, so enrollment uses every core), each started on
 * the first call it gets (the model loads inside it). A call goes to the thread with the fewest calls in
 * flight; each thread answers its calls in order. Idle threads do not keep the process alive, and a thread idle
 * for `idleStopMs` is stopped (its model's ~100 MB go back; the next call starts it again); `close()`
 * terminates them. When a thread dies, its pending calls fail with a retryable BackendUnavailableError
 * and the next call given to it starts a new thread.
 */
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { BackendUnavailableError, ScalefaceError } from '../domain/errors.js';
import { DEFAULT_DETECTOR, type DetectorSettings, type FaceEmbedder, type ImageEmbedding } from './embedder.js';
import { rebuildError, type EmbedReply, type EmbedRequest } from './embedding-thread-protocol.js';
import type { EmbeddingThreadData } from './embedding-thread.js';
import type { RuntimeChoice } from './face-runtime.js';

export const EMBEDDING_THREAD_SCRIPT = new URL('./embedding-thread.js', import.meta.url);

export interface ThreadedEmbedderOptions {
  readonly settings?: DetectorSettings;
  /** The runtime the threads load the nets on (default: auto). */
  readonly runtime?: RuntimeChoice;
  /** Threads in the pool; default: the machine's available parallelism. */
  readonly threads?: number;
  /** The thread's entry (default: the compiled embedding-thread.js next to this file). */
  readonly threadScript?: URL;
  readonly resourceLimits?: ResourceLimits;
  /** A thread with no call for this long is stopped (default 60 s); the next call starts it again. */
  readonly idleStopMs?: number;
}

const DEFAULT_IDLE_STOP_MS = 60_000;

interface PendingCall {
  resolve(embedding: ImageEmbedding): void;
  reject(error: ScalefaceError): void;
}

/** One thread of the pool: started on demand, restarted on demand after it died. */
class EmbeddingThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  /** Why the current thread failed, when it reported an error before exiting. */
  private threadError: unknown;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ThreadedEmbedderOptions) {}

  get inFlight(): number {
    return this.pending.size;
  }

  get started(): boolean {
    return this.worker !== undefined;
  }

  embed(image: Buffer): Promise<ImageEmbedding> {
    const worker = this.worker ?? this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    // A copy: the caller keeps its Buffer (often a slice of a shared pool), the thread owns the copy.
    const copy = new Uint8Array(image);
    return new Promise<ImageEmbedding>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // a call in flight keeps the process alive until it is answered
      worker.postMessage({ id, image: copy } satisfies EmbedRequest, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    this.rejectPending(new BackendUnavailableError('the face embedder was closed'));
    await worker.terminate();
  }

  private start(): Worker {
    const script = this.options.threadScript ?? EMBEDDING_THREAD_SCRIPT;
    const workerData: EmbeddingThreadData = { settings: this.options.settings ?? DEFAULT_DETECTOR, runtime: this.options.runtime };
    const worker = new Worker(script, { workerData, resourceLimits: this.options.resourceLimits });
    this.worker = worker;
    this.threadError = undefined;
    worker.unref();
    worker.on('message', (reply: EmbedReply) => this.settle(reply));
    worker.on('error', (error) => {
      if (this.worker === worker) this.threadError = error;
    });
    worker.on('exit', (exitCode) => this.onExit(worker, exitCode));
    return worker;
  }

  private settle(reply: EmbedReply): void {
    const call = this.pending.get(reply.id);
    if (call === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    if (reply.ok) call.resolve(reply.embedding);
    else call.reject(rebuildError(reply.error));
  }

  /** No call in flight: the thread no longer keeps the process alive, and stops if none comes for a while. */
  private idle(): void {
    this.worker?.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) void this.close();
    }, this.options.idleStopMs ?? DEFAULT_IDLE_STOP_MS).unref();
  }

  private onExit(worker: Worker, exitCode: number): void {
    if (this.worker !== worker) return; // closed on purpose
    this.worker = undefined;
    const reason = this.threadError instanceof Error ? `: ${this.threadError.message}` : '';
    const error = new BackendUnavailableError(`the face embedding thread stopped (exit code ${exitCode})${reason}`, {
      cause: this.threadError,
    });
    this.rejectPending(error);
  }

  private rejectPending(error: ScalefaceError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }
}

export class ThreadedFaceEmbedder implements FaceEmbedder {
  private readonly pool: EmbeddingThread[];

  constructor(options: ThreadedEmbedderOptions = {}) {
    const size = Math.max(1, options.threads ?? availableParallelism());
    this.pool = Array.from({ length: size }, () => new EmbeddingThread(options));
  }

  /** Threads running now (each starts on its first call). */
  get startedThreads(): number {
    return this.pool.filter((thread) => thread.started).length;
  }

  /** Throws what the in-process embedder throws (same ScalefaceError subclass, code and message). */
  embed(image: Buffer): Promise<ImageEmbedding> {
    // The least busy thread; among equals the first, so a lone caller keeps reusing one warm thread.
    const thread = this.pool.reduce((best, candidate) => (candidate.inFlight < best.inFlight ? candidate : best));
    return thread.embed(image);
  }

  /** Terminates the threads; calls still pending fail with BackendUnavailableError. A later call starts new ones. */
  async close(): Promise<void> {
    await Promise.all(this.pool.map((thread) => thread.close()));
  }
}
