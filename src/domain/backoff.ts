/**
 * One backoff rule for everything that retries (EC2 calls, messages left for redelivery): exponential in
 * the attempt number alone, capped, with full jitter (AWS's "Exponential Backoff And Jitter"): a random
 * delay in [0, min(max, base · 2^retry)). Jitter spreads retries that failed together.
 */
export interface BackoffPolicy {
  /** Cap of the first retry's delay; doubles with each retry. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** 0 <= random() < 1 (default Math.random; injectable for tests). */
  readonly random?: () => number;
}

/** The longest delay before retry number `retry`: base · 2^retry, at most max (waits that take no jitter use it whole). */
export function backoffCapMs(retry: number, policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry));
}

/** The delay before retry number `retry` (0 for the first retry). */
export function backoffDelayMs(retry: number, policy: BackoffPolicy): number {
  return Math.floor((policy.random ?? Math.random)() * backoffCapMs(retry, policy));
}
