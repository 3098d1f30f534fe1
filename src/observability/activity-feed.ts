/**
 * The dashboard's live feed: while at least one client listens, read the status every `intervalMs`,
 * keep a bounded history of samples, and push each snapshot to every listener as a Server-Sent Event.
 * Nothing is read while nobody listens. Clients are bounded (limits): how many, how long a socket may stay full,
 * how many bytes one stream carries, so that clients that never read cannot make the kernel hold more and more.
 */
import type { StatusSnapshot } from '../domain/status-snapshot.js';
import type { AnswerPercentiles } from './answer-times.js';
import type { StatusSummary } from './status-summary.js';

/** One point of the dashboard's chart. */
export interface ActivitySample {
  readonly at: number;
  /** Requests waiting in the request queue. */
  readonly queued: number;
  /** Requests a worker holds. */
  readonly inFlight: number;
  readonly running: number;
  readonly pending: number;
  readonly desired: number;
  /** Recognitions answered per second since the previous sample. */
  readonly throughput: number;
  /** Median arrival → answer (ms) of the recognitions answered in the last 10 s (answer-times.ts); null: none. */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
}

/** Where events go: an HTTP response, through the events route's adapter. */
export interface EventSink {
  /** false: the client's socket is full; nothing more is written to it until `onceDrained` calls back. */
  write(chunk: string): boolean;
  /** Ends the stream; a client that reads sees the end and reconnects. */
  end(): void;
  /** Closes the connection at once, dropping what the kernel still holds for it (a client that stopped reading). */
  reset(): void;
  onceDrained(listener: () => void): void;
}

/** What a client of the feed may cost: see config `web.eventsMaxClients` and the two below it. */
export interface EventStreamLimits {
  readonly maxClients: number;
  /** A client whose socket stays full this long is reset. */
  readonly drainTimeoutMs: number;
  /** A stream ends once it has been sent this many bytes (the history and the events). */
  readonly maxStreamBytes: number;
}

export const DEFAULT_EVENT_LIMITS: EventStreamLimits = { maxClients: 16, drainTimeoutMs: 10_000, maxStreamBytes: 1024 * 1024 };

export interface ActivityFeedOptions {
  readonly readStatus: () => Promise<StatusSnapshot>;
  /** Turns a snapshot into numbers (and lets the caller observe it, e.g. for metrics). */
  readonly summarize: (status: StatusSnapshot) => StatusSummary;
  /** Recognitions completed so far (a counter that only grows). */
  readonly completed: () => number;
  /** p50/p95 of the recent answer times at `now` (default: none measured). */
  readonly answerTimes?: (now: number) => AnswerPercentiles;
  readonly intervalMs: number;
  /** Samples kept for clients that connect later (default 600). */
  readonly historySize?: number;
  readonly now?: () => number;
  /** Told why a status read failed (the listeners only get a generic message). */
  readonly onStatusError?: (error: unknown) => void;
  readonly limits?: EventStreamLimits;
  /** Told when a client is reset: its socket stayed full, or it did not close its ended stream. */
  readonly onDropped?: (reason: string) => void;
}

/** What the feed knows of one client: bytes sent, and the timer that resets it when it does not keep up. */
interface SinkState {
  bytes: number;
  stalled?: NodeJS.Timeout;
  ending?: NodeJS.Timeout;
}

const STATUS_UNAVAILABLE = 'the status cannot be read now';

export function serverSentEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class ActivityFeed {
  private readonly sinks = new Map<EventSink, SinkState>();
  private readonly history: ActivitySample[] = [];
  private readonly now: () => number;
  private readonly limits: EventStreamLimits;
  private timer: NodeJS.Timeout | undefined;
  private baseline: { at: number; completed: number } | undefined;
  private ticking = false;

  constructor(private readonly options: ActivityFeedOptions) {
    this.now = options.now ?? Date.now;
    this.limits = options.limits ?? DEFAULT_EVENT_LIMITS;
  }

  /** Clients connected now, those whose ended stream has not closed yet included. */
  get listeners(): number {
    return this.sinks.size;
  }

  /** No room for another client (`limits.maxClients`). */
  get full(): boolean {
    return this.sinks.size >= this.limits.maxClients;
  }

  get maxClients(): number {
    return this.limits.maxClients;
  }

  /** Sends the history at once, then a `status` event per interval; call the returned function on disconnect. */
  subscribe(sink: EventSink): () => void {
    this.sinks.set(sink, { bytes: 0 });
    this.send(sink, `retry: 2000\n\n${serverSentEvent('history', { intervalMs: this.options.intervalMs, samples: this.history })}`);
    if (this.timer === undefined) {
      this.baseline = undefined;
      this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
      this.timer.unref();
      void this.tick();
    }
    return () => this.unsubscribe(sink);
  }

  /** Ends every stream (a stalled one at once) and stops reading (the app is closing). */
  close(): void {
    for (const [sink, state] of this.sinks) {
      if (state.stalled !== undefined) sink.reset();
      else sink.end();
      this.clearTimers(state);
    }
    this.sinks.clear();
    this.stopTimer();
  }

  /** One read and broadcast; exported for tests. Overlapping calls are skipped. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const status = await this.options.readStatus();
      const sample = this.sample(this.options.summarize(status));
      this.history.push(sample);
      if (this.history.length > (this.options.historySize ?? 600)) this.history.shift();
      this.broadcast(serverSentEvent('status', { status, sample }));
    } catch (error) {
      // Listeners are clients: they learn that the status is unavailable, the server's log learns why.
      this.options.onStatusError?.(error);
      this.broadcast(serverSentEvent('status-error', { message: STATUS_UNAVAILABLE }));
    } finally {
      this.ticking = false;
    }
  }

  private sample(summary: StatusSummary): ActivitySample {
    const at = this.now();
    const completed = this.options.completed();
    const elapsedSeconds = this.baseline ? (at - this.baseline.at) / 1000 : 0;
    const throughput = this.baseline && elapsedSeconds > 0 ? (completed - this.baseline.completed) / elapsedSeconds : 0;
    this.baseline = { at, completed };
    const latency = this.options.answerTimes?.(at);
    return {
      at,
      queued: summary.queue.visible + summary.queue.delayed,
      inFlight: summary.queue.inFlight,
      running: summary.instancesByState.running ?? 0,
      pending: summary.instancesByState.pending ?? 0,
      desired: summary.desired,
      throughput: Math.round(throughput * 100) / 100,
      latencyP50Ms: latency?.p50Ms ?? null,
      latencyP95Ms: latency?.p95Ms ?? null,
    };
  }

  private broadcast(chunk: string): void {
    for (const sink of [...this.sinks.keys()]) this.send(sink, chunk);
  }

  /**
   * Writes unless the client is behind: a stalled client skips snapshots (each is whole, so the next one it gets
   * is as good) and is reset when its socket stays full for `drainTimeoutMs`; a stream that would pass its byte
   * budget ends instead.
   */
  private send(sink: EventSink, chunk: string): void {
    const state = this.sinks.get(sink);
    if (state === undefined || state.stalled !== undefined || state.ending !== undefined) return;
    const size = Buffer.byteLength(chunk);
    if (state.bytes > 0 && state.bytes + size > this.limits.maxStreamBytes) return this.endStream(sink, state);
    state.bytes += size;
    if (sink.write(chunk)) return;
    state.stalled = this.dropAfterBound(sink, 'its socket stayed full');
    sink.onceDrained(() => {
      clearTimeout(state.stalled);
      state.stalled = undefined;
    });
  }

  /** A client that reads sees the end and closes; one that does not is reset after the drain bound. */
  private endStream(sink: EventSink, state: SinkState): void {
    sink.end();
    state.ending = this.dropAfterBound(sink, 'it did not close its ended stream');
  }

  private dropAfterBound(sink: EventSink, reason: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.options.onDropped?.(reason);
      sink.reset();
      this.unsubscribe(sink);
    }, this.limits.drainTimeoutMs);
    timer.unref();
    return timer;
  }

  private clearTimers(state: SinkState): void {
    clearTimeout(state.stalled);
    clearTimeout(state.ending);
  }

  private unsubscribe(sink: EventSink): void {
    const state = this.sinks.get(sink);
    if (state === undefined) return;
    this.clearTimers(state);
    this.sinks.delete(sink);
    if (this.sinks.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
