/**
 * The model's service time as the workers measure it: every answer carries what it cost its worker
 * (`serviceMs`, see src/worker/service-clock.ts), kept per model (kind, name, version) so that answers of another
 * model (workers of an older deployment still draining) do not blur it. The policy sizes by the median of the
 * recent answers of the model that answered last; until enough have arrived it keeps the configured
 * `autoscaler.serviceTimeMs`.
 */
import type { RecognitionReply, ReplyModel } from '../domain/messages.js';

/** Answers a model's estimate is the median of (the most recent). */
export const SERVICE_SAMPLES = 64;
/** Answers needed before the measurement replaces the configured value: one slow first answer is not the model. */
export const MIN_SERVICE_SAMPLES = 5;

function modelKey(model: ReplyModel): string {
  return `${model.kind}:${model.name}@${model.version}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export class MeasuredServiceTime {
  private readonly samples = new Map<string, number[]>();
  private latest: string | undefined;

  /** Counts an answer of the app tier: successful ones that say what they cost and which model gave them. */
  observeReply(reply: Pick<RecognitionReply, 'status' | 'serviceMs' | 'model'>): void {
    if (reply.status !== 'ok' || reply.model === undefined) return;
    this.observe(modelKey(reply.model), reply.serviceMs);
  }

  observe(model: string, serviceMs: number | undefined): void {
    if (typeof serviceMs !== 'number' || !Number.isFinite(serviceMs) || serviceMs <= 0) return;
    const kept = this.samples.get(model) ?? [];
    kept.push(serviceMs);
    if (kept.length > SERVICE_SAMPLES) kept.shift();
    this.samples.set(model, kept);
    this.latest = model;
  }

  /** Milliseconds per image per worker of the model that answered last; undefined until it answered enough. */
  current(): number | undefined {
    const kept = this.latest === undefined ? undefined : this.samples.get(this.latest);
    if (kept === undefined || kept.length < MIN_SERVICE_SAMPLES) return undefined;
    return Math.round(median(kept) * 10) / 10;
  }
}
