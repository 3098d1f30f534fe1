import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from '../../domain/backoff.js';
import { BackendUnavailableError, CapacityExceededError, InvalidInputError, NotFoundError, ScalefaceError } from '../../domain/errors.js';
import { awsErrorCode, awsErrorMessage, fromAwsError, isTransientAwsError } from '../aws/aws-errors.js';

/**
 * Retries of EC2 calls: throttling and transient errors are retried with exponential backoff and full
 * jitter, a few times with small delays, then surfaced as BackendUnavailableError naming the AWS code;
 * quota and capacity refusals are surfaced at once as CapacityExceededError.
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

/** EC2 codes worth another try soon: throttling. */
export const RETRIED_EC2_CODES: ReadonlySet<string> = new Set(['RequestLimitExceeded']);

/**
 * EC2 refusing to start instances: an account quota is reached, or AWS has no capacity for the type right now.
 * Not retried at once (the same call fails the same way): surfaced as CapacityExceededError, and the
 * autoscaler backs off launching. Each with what an operator can do about it.
 */
const QUOTA_ADVICE = 'the account quota is reached: raise it in Service Quotas (EC2 running On-Demand instances, vCPUs) or lower autoscaler.maxInstances';
const CAPACITY_ADVICE = 'AWS has no capacity for this instance type in this zone right now: it usually passes; another instance type or subnet avoids it';
const ZONE_ADVICE = 'the instance type or configuration is not offered in this subnet\'s zone: add subnets in other zones (compute.ec2.subnetIds) or choose another type';
const ADDRESS_ADVICE = 'the subnet has no free IP addresses: free some or add subnets (compute.ec2.subnetIds)';
export const CAPACITY_EC2_CODES: ReadonlyMap<string, string> = new Map([
  ['InstanceLimitExceeded', QUOTA_ADVICE],
  ['VcpuLimitExceeded', QUOTA_ADVICE],
  ['MaxSpotInstanceCountExceeded', QUOTA_ADVICE],
  ['InsufficientInstanceCapacity', CAPACITY_ADVICE],
  ['InsufficientCapacity', CAPACITY_ADVICE],
  ['InsufficientHostCapacity', CAPACITY_ADVICE],
  ['Unsupported', ZONE_ADVICE],
  ['InsufficientFreeAddressesInSubnet', ADDRESS_ADVICE],
]);

const NOT_FOUND_CODES = new Set(['InvalidInstanceID.NotFound', 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException']);
const INVALID_CODES = new Set(['InvalidInstanceID.Malformed', 'InvalidParameterValue', 'InvalidParameterCombination', 'MissingParameter']);

export function isRetriedEc2Error(error: unknown): boolean {
  const code = awsErrorCode(error);
  return !CAPACITY_EC2_CODES.has(code) && (RETRIED_EC2_CODES.has(code) || isTransientAwsError(error));
}

/** Maps an EC2 error that is not (or no longer) retried onto our hierarchy. */
export function fromEc2Error(error: unknown, what: string, attempts = 1): ScalefaceError {
  if (error instanceof ScalefaceError) return error;
  const code = awsErrorCode(error);
  const advice = CAPACITY_EC2_CODES.get(code);
  if (advice !== undefined) return new CapacityExceededError(`${what} refused: ${code}: ${awsErrorMessage(error)} (${advice})`, { cause: error });
  if (isRetriedEc2Error(error)) {
    const tries = attempts === 1 ? '' : ` (${attempts} attempts)`;
    return new BackendUnavailableError(`${what} failed${tries}: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  }
  if (NOT_FOUND_CODES.has(code)) return new NotFoundError(`${what} failed: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  if (INVALID_CODES.has(code)) return new InvalidInputError(`${what} failed: ${code}: ${awsErrorMessage(error)}`, { cause: error });
  return fromAwsError(error, what);
}

/** Runs `call`, retrying the errors of isRetriedEc2Error; every error it throws is a ScalefaceError. */
export async function withEc2Retries<T>(what: string, call: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 4);
  const sleep = policy.sleep ?? delay;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetriedEc2Error(error)) throw fromEc2Error(error, what, attempt);
      await sleep(backoffDelayMs(attempt - 1, { baseMs: policy.baseDelayMs ?? 200, maxMs: policy.maxDelayMs ?? 2000, random: policy.random }));
    }
  }
}
