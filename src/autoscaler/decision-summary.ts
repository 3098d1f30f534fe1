/**
 * A decision in words a person reads first ("Scaled up to 2: 37 requests waiting would take longer than the 2 s
 * target with 1 instance"), beside the policy's `reason`, which keeps the arithmetic. Pure: the policy says which
 * rule decided (the cause) and the numbers it saw (the facts), this module says it in a sentence.
 */

/** Scale-in left these running although fewer were wanted. */
export interface Kept {
  readonly busy: number;
  /** Idle, but inside the paid billing minimum. */
  readonly paid: number;
  readonly billingMinimumMs: number;
}

/** Which rule of the policy decided. */
export type DecisionCause =
  | { readonly kind: 'depth-unavailable' }
  /** The sizing's count: up, or steady at it. */
  | { readonly kind: 'sized' }
  | { readonly kind: 'tolerance'; readonly wanted: number; readonly tolerance: number }
  /** Nothing queued or in flight for the idle window (idleMs Infinity: never since start). */
  | { readonly kind: 'idle'; readonly idleMs: number; readonly kept?: Kept }
  /** Scale-in goes no lower than the most wanted over its window. */
  | { readonly kind: 'recently-wanted'; readonly wanted: number; readonly windowMs: number; readonly kept?: Kept }
  | { readonly kind: 'deferred'; readonly leftMs: number }
  | { readonly kind: 'defer-over'; readonly waitedMs: number }
  | { readonly kind: 'above-max'; readonly max: number; readonly then: DecisionCause };

/** What the policy saw when it decided. */
export interface DecisionFacts {
  readonly current: number;
  readonly desired: number;
  /** Visible + in flight. */
  readonly total: number;
  /** Estimated arrivals per second. */
  readonly rate: number;
  readonly latencyTargetMs: number;
  /** Set when the sizing wanted more than the maximum. */
  readonly clampedToMax?: number;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const instances = (n: number): string => plural(n, 'instance');

function headOf({ current, desired }: DecisionFacts): string {
  if (desired > current) return `Scaled up to ${desired}`;
  if (desired < current) return `Scaled in to ${desired}`;
  return `Holding at ${desired}`;
}

/** "37 requests waiting and 4.2/s arriving"; "nothing waiting". */
function workOf({ total, rate }: DecisionFacts): string {
  const parts: string[] = [];
  if (total > 0) parts.push(`${plural(total, 'request')} waiting`);
  if (rate >= 0.05) parts.push(`${Number(rate.toFixed(1))}/s arriving`);
  return parts.length === 0 ? 'nothing waiting' : parts.join(' and ');
}

function keptText(kept: Kept | undefined): string {
  if (kept === undefined) return '';
  const parts: string[] = [];
  if (kept.busy > 0) parts.push(`${kept.busy} busy`);
  if (kept.paid > 0) parts.push(`${kept.paid} idle inside ${kept.paid === 1 ? 'its' : 'their'} paid ${seconds(kept.billingMinimumMs)}`);
  return parts.length === 0 ? '' : ` (keeping ${parts.join(', ')})`;
}

function sizedText(facts: DecisionFacts): string {
  const { current, desired, latencyTargetMs } = facts;
  const target = `the ${seconds(latencyTargetMs)} target`;
  const max = facts.clampedToMax === undefined ? '' : `; ${facts.clampedToMax} is the maximum`;
  if (desired > current) {
    if (current === 0) return `${workOf(facts)}, no instance running${max}`;
    return `${workOf(facts)} would take longer than ${target} with ${instances(current)}${max}`;
  }
  // At 0 with nothing queued, arrivals the estimate still sees are not worth an instance (idle, or too few).
  if (facts.total === 0 && (desired === 0 || facts.rate < 0.05)) return 'nothing waiting';
  if (facts.clampedToMax !== undefined) return `${workOf(facts)} would need more instances, but ${facts.clampedToMax} is the maximum`;
  return `${instances(desired)} ${desired === 1 ? 'answers' : 'answer'} ${workOf(facts)} within ${target}`;
}

function causeText(cause: DecisionCause, facts: DecisionFacts): string {
  switch (cause.kind) {
    case 'depth-unavailable':
      return 'the queue depth could not be read';
    case 'sized':
      return sizedText(facts);
    case 'tolerance':
      return `${cause.wanted} wanted is within ${Math.round(cause.tolerance * 100)} % of ${facts.current}`;
    case 'idle': {
      const idle = Number.isFinite(cause.idleMs) ? `idle for ${seconds(cause.idleMs)}` : 'idle since start';
      return facts.desired === facts.current ? `${idle}, but nothing can be stopped${keptText(cause.kept)}` : `${idle}${keptText(cause.kept)}`;
    }
    case 'recently-wanted': {
      const over = `over the last ${seconds(cause.windowMs)}`;
      if (facts.desired < facts.current) return `at most ${cause.wanted} wanted ${over}${keptText(cause.kept)}`;
      return cause.wanted >= facts.current ? `${cause.wanted} wanted ${over}` : `nothing can be stopped${keptText(cause.kept)}`;
    }
    case 'deferred':
      return `${workOf(facts)} can still be answered within the ${seconds(facts.latencyTargetMs)} target if an instance launches within ${seconds(cause.leftMs)}`;
    case 'defer-over':
      return `the oldest of ${workOf(facts)} has waited ${seconds(cause.waitedMs)}: launching now to meet the ${seconds(facts.latencyTargetMs)} target`;
    case 'above-max':
      return `above the maximum of ${cause.max}; ${causeText(cause.then, { ...facts, current: cause.max })}`;
  }
}

/** "Holding at 1: 1 instance answers 3 requests waiting within the 2 s target". */
export function summarizeDecision(cause: DecisionCause, facts: DecisionFacts): string {
  return `${headOf(facts)}: ${causeText(cause, facts)}`;
}
