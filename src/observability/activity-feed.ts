/**
 * The dashboard's live feed: while at least one client listens, read the status every `intervalMs`,
 * keep a bounded history of samples, and push each snapshot to every listener as a Server-Sent Event.
 * Nothing is read while nobody listens.
 */
import type { StatusSnapshot } from '../web/status-schema.js';
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
}

/** Where events go: an HTTP response (or anything with write/end). */
export interface EventSink {
  write(chunk: string): unknown;
  end(): unknown;
}

export interface ActivityFeedOptions {
  readonly readStatus: () => Promise<StatusSnapshot>;
  /** Turns a snapshot into numbers (and lets the caller observe it, e.g. for metrics). */
  readonly summarize: (status: StatusSnapshot) => StatusSummary;
  /** Recognitions completed so far (a counter that only grows). */
  readonly completed: () => number;
  readonly intervalMs: number;
  /** Samples kept for clients that connect later (default 600). */
  readonly historySize?: number;
  readonly now?: () => number;
  /** Told why a status read failed (the listeners only get a generic message). */
  readonly onStatusError?: (error: unknown) => void;
}

const STATUS_UNAVAILABLE = 'the status cannot be read now';

export function serverSentEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class ActivityFeed {
  private readonly sinks = new Set<EventSink>();
  private readonly history: ActivitySample[] = [];
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private baseline: { at: number; completed: number } | undefined;
  private ticking = false;

  constructor(private readonly options: ActivityFeedOptions) {
    this.now = options.now ?? Date.now;
  }

  get listeners(): number {
    return this.sinks.size;
  }

  /** Sends the history at once, then a `status` event per interval; call the returned function on disconnect. */
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    sink.write('retry: 2000\n\n');
    sink.write(serverSentEvent('history', { intervalMs: this.options.intervalMs, samples: this.history }));
    if (this.timer === undefined) {
      this.baseline = undefined;
      this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
      this.timer.unref();
      void this.tick();
    }
    return () => this.unsubscribe(sink);
  }

  /** Ends every stream and stops reading (the app is closing). */
  close(): void {
    for (const sink of this.sinks) sink.end();
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
    return {
      at,
      queued: summary.queue.visible + summary.queue.delayed,
      inFlight: summary.queue.inFlight,
      running: summary.instancesByState.running ?? 0,
      pending: summary.instancesByState.pending ?? 0,
      desired: summary.desired,
      throughput: Math.round(throughput * 100) / 100,
    };
  }

  private broadcast(chunk: string): void {
    for (const sink of this.sinks) sink.write(chunk);
  }

  private unsubscribe(sink: EventSink): void {
    this.sinks.delete(sink);
    if (this.sinks.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
