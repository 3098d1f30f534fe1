/**
 * What `/readyz` checks beyond the status (queues and pool): that the storage takes the write every upload
 * needs. A permission fault, a full disk or a read-only mount makes the web tier not ready while it lasts,
 * and ready again once a write succeeds; the probe runs at most once per `maxAgeMs`, however often the
 * readiness is asked.
 */
import { BackendUnavailableError } from '../domain/errors.js';

export type ReadinessCheck = () => Promise<void>;

/** `check`, its outcome reused for `maxAgeMs` (one probe in flight at a time). */
export function cachedCheck(check: ReadinessCheck, maxAgeMs: number, now: () => number = Date.now): ReadinessCheck {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (last === undefined || now() - last.at >= maxAgeMs) {
      const outcome = check().catch((error: unknown) => {
        throw new BackendUnavailableError('the storage does not take writes', { cause: error, retryable: true });
      });
      outcome.catch(() => undefined);
      last = { at: now(), outcome };
    }
    return last.outcome;
  };
}
