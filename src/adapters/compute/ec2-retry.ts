import { backoffDelayMs } from '../../domain/backoff.js';
import { BackendUnavailableError, InvalidInputError, NotFoundError, ScalefaceError } from '../../domain/errors.js';
import { awsErrorCode, awsErrorMessage, fromAwsError, isTransientAwsError } from '../aws/aws-errors.js';

/**
 * Retries of EC2 calls: throttling, capacity and limit errors are retried with exponential backoff and
 * full jitter, a few times with small delays, then surfaced as BackendUnavailableError naming the AWS code.
 */
export interface RetryPolicy {
  /** Tries in all, the first included (default 4). */
  readonly attempts?: number;
  /** Backoff cap of the first retry; doubles each time (default 200 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injectable for tests (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: 0 <= random() < 1 (default Math.random). */
  readonly random?: () => number;
}

/** EC2 codes worth another try soon: throttling, no capacity right now, account limits (may free up). */
export const RETRIED_EC2_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'InsufficientInstanceCapacity',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'InsufficientCapacity',
]);

const NOT_FOUND_CODES = new Set(['InvalidInstanceID.NotFound', 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException']);
const INVALID_CODES = new Set(['InvalidInstanceID.Malformed', 'InvalidParameterValue', 'InvalidParameterCombination', 'MissingParameter']);

export function isRetriedEc2Error(error: unknown): boolean {
  return RETRIED_EC2_CODES.has(awsErrorCode(error)) || isTransientAwsError(error);
}

/** Maps an EC2 error that is not (or no longer) retried onto our hierarchy. */
export function fromEc2Error(error: unknown, what: string, attempts = 1): ScalefaceError {
  if (error instanceof ScalefaceError) return error;
  const code = awsErrorCode(error);
  if (isRetriedEc2Error(error)) {
    const tries = attempts === 1 ? '' : ` (${attempts} attempts)`;
    return new BackendUnavailableError(`${what} failed${tries}: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  }
  if (NOT_FOUND_CODES.has(code)) return new NotFoundError(`${what} failed: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  if (INVALID_CODES.has(code)) return new InvalidInputError(`${what} failed: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  return fromAwsError(error, what);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** Runs `call`, retrying the errors of isRetriedEc2Error; every error it throws is a ScalefaceError. */
export async function withEc2Retries<T>(what: string, call: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 4);
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetriedEc2Error(error)) throw fromEc2Error(error, what, attempt);
      await sleep(backoffDelayMs(attempt - 1, { baseMs: policy.baseDelayMs ?? 200, maxMs: policy.maxDelayMs ?? 2000, random: policy.random }));
    }
  }
}
