/**
 * Prometheus metrics of one web-tier app, on a registry of its own (never prom-client's global one,
 * so that several apps in one process, as in tests, do not share or clash).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdmissionSnapshot, StatusSnapshot } from '../domain/status-snapshot.js';
import { RecentAnswerTimes } from './answer-times.js';
import { readStatusSummary, type StatusSummary } from './status-summary.js';

export type RequestOutcome = 'success' | 'client_error' | 'server_error';

export function outcomeOf(statusCode: number): RequestOutcome {
  if (statusCode >= 500) return 'server_error';
  if (statusCode >= 400) return 'client_error';
  return 'success';
}

/** Decisions counted so far, from the controller's running totals (exact however rarely the status is read). */
class DecisionCounter {
  private readonly countedTotals = { up: 0, down: 0, hold: 0 };

  constructor(private readonly counter: Counter<'direction'>) {}

  count(totals: StatusSummary['decisionTotals']): void {
    for (const direction of ['up', 'down', 'hold'] as const) {
      const added = totals[direction] - this.countedTotals[direction];
      if (added > 0) this.counter.inc({ direction }, added);
      this.countedTotals[direction] = Math.max(this.countedTotals[direction], totals[direction]);
    }
  }
}

export class WebMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'outcome' | 'status_code'>;
  private readonly requestSeconds: Histogram<'route' | 'method'>;
  private readonly inferenceSeconds: Histogram;
  private readonly recognitions: Counter<'result'>;
  private readonly queueMessages: Gauge<'queue' | 'state'>;
  private readonly instances: Gauge<'state'>;
  private readonly instancesDesired: Gauge;
  private readonly statusUp: Gauge;
  private readonly decisions: DecisionCounter;
  /** Recognitions answered `ok` since the app started (the dashboard's throughput). */
  completedRecognitions = 0;
  /** Arrival → answer of the recognitions answered `ok` lately (the dashboard's p50/p95). */
  readonly answerTimes = new RecentAnswerTimes();

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'scaleface_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and outcome',
      labelNames: ['route', 'method', 'outcome', 'status_code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'scaleface_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'scaleface_inference_duration_seconds',
      help: "Time the app tier's model spent on one image (from the replies' inferenceMs)",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.recognitions = new Counter({
      name: 'scaleface_recognitions_total',
      help: 'Recognitions answered by the app tier, by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.queueMessages = new Gauge({
      name: 'scaleface_queue_messages',
      help: 'Messages in the request and dead-letter queues, by state (visible, in_flight, delayed)',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.instances = new Gauge({ name: 'scaleface_instances', help: 'App-tier instances by state', labelNames: ['state'], registers });
    this.instancesDesired = new Gauge({ name: 'scaleface_instances_desired', help: "The autoscaler's desired instance count", registers });
    this.statusUp = new Gauge({ name: 'scaleface_status_up', help: '1 when the last status read (queues, autoscaler) succeeded', registers });
    const decisions = new Counter({
      name: 'scaleface_autoscaler_decisions_total',
      help: 'Autoscaler decisions seen by this web tier, by direction (up, down, hold)',
      labelNames: ['direction'],
      registers,
    });
    this.decisions = new DecisionCounter(decisions);
    // Zero series exist from the start, so that rate() and alerts see them before the first event.
    for (const result of ['ok', 'failed']) this.recognitions.inc({ result }, 0);
    for (const direction of ['up', 'down', 'hold']) decisions.inc({ direction }, 0);
  }

  observeRequest(route: string, method: string, statusCode: number, seconds: number): void {
    this.requests.inc({ route, method, outcome: outcomeOf(statusCode), status_code: String(statusCode) });
    this.requestSeconds.observe({ route, method }, seconds);
  }

  /** `answerMs`: from the request's arrival at this web tier to the app tier's answer. */
  observeRecognition(result: 'ok' | 'failed', inferenceMs?: number, answerMs?: number): void {
    this.recognitions.inc({ result });
    if (result === 'ok') this.completedRecognitions += 1;
    if (result === 'ok' && answerMs !== undefined) this.answerTimes.record(Date.now(), answerMs);
    if (typeof inferenceMs === 'number' && Number.isFinite(inferenceMs)) this.inferenceSeconds.observe(inferenceMs / 1000);
  }

  /** Sets the queue and instance gauges from a status snapshot, and counts new autoscaler decisions. */
  observeStatus(status: StatusSnapshot): StatusSummary {
    const summary = readStatusSummary(status);
    for (const [queue, depth] of [['request', summary.queue], ['dead_letter', summary.deadLetterQueue]] as const) {
      this.queueMessages.set({ queue, state: 'visible' }, depth.visible);
      this.queueMessages.set({ queue, state: 'in_flight' }, depth.inFlight);
      this.queueMessages.set({ queue, state: 'delayed' }, depth.delayed);
    }
    this.instances.reset();
    for (const [state, count] of Object.entries(summary.instancesByState)) this.instances.set({ state }, count);
    this.instancesDesired.set(summary.desired);
    this.decisions.count(summary.decisionTotals);
    this.statusUp.set(1);
    return summary;
  }

  /** Gauges of the load-shedding rule, read from `read` at each scrape. */
  trackAdmission(read: () => AdmissionSnapshot): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, value: (s: AdmissionSnapshot) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(value(read())); } });
    gauge('scaleface_body_budget_bytes', 'Bytes of request bodies this web process may hold at once', (s) => s.bodyBudgetBytes);
    gauge('scaleface_body_bytes_held', 'Bytes of request bodies held now', (s) => s.bodyBytesHeld);
    gauge('scaleface_predicted_wait_seconds', 'Predicted wait for an answer of a new request', (s) => s.predictedWaitMs / 1000);
    gauge('scaleface_max_queue_wait_seconds', 'New recognitions are refused (503) above this predicted wait', (s) => s.maxQueueWaitMs / 1000);
    gauge('scaleface_answers_per_second', 'How fast the app tier answers this web process (measured, or assumed at start)', (s) => s.answersPerSecond);
    new Counter({
      name: 'scaleface_shed_requests_total',
      help: 'Requests refused with 503 by load shedding, by reason (memory: body budget; wait: predicted wait)',
      labelNames: ['reason'],
      registers,
      collect() {
        const { shed } = read();
        this.reset();
        this.inc({ reason: 'memory' }, shed.memory);
        this.inc({ reason: 'wait' }, shed.wait);
      },
    });
  }

  observeStatusFailure(): void {
    this.statusUp.set(0);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
