import { BackendUnavailableError, ScalefaceError } from '../../domain/errors.js';

/**
 * Reading the errors thrown by the AWS SDK v3 (service exceptions carry the AWS error code as `name`
 * and the HTTP status in `$metadata`; network failures are plain Node errors with an errno `code`)
 * and mapping them onto the Scaleface hierarchy.
 */
interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'KmsThrottled',
  'OverLimit',
]);

const CAPACITY_CODES = new Set(['InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'ServiceUnavailable', 'Unavailable', 'InternalError', 'InternalFailure']);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const ACCESS_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'CredentialsProviderError',
]);

function shape(error: unknown): AwsErrorShape {
  return typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};
}

/** The AWS error code (`QueueDoesNotExist`, `NoSuchKey`, `ECONNREFUSED`, ...), or `Unknown`. */
export function awsErrorCode(error: unknown): string {
  const e = shape(error);
  // Node network errors keep the errno in `code`; SDK service exceptions keep the AWS code in `name`.
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.code === 'string') return e.code;
  return 'Unknown';
}

export function awsHttpStatus(error: unknown): number | undefined {
  const status = shape(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function awsErrorMessage(error: unknown): string {
  const message = shape(error).message;
  return typeof message === 'string' && message.length > 0 ? message : String(error);
}

/** Throttling, capacity, server-side (5xx) and network failures: retrying later may succeed. */
export function isTransientAwsError(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (THROTTLING_CODES.has(code) || CAPACITY_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  const status = awsHttpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return shape(error).$fault === 'server';
}

/** Missing or refused credentials and IAM denials. */
export function isAccessDeniedError(error: unknown): boolean {
  return ACCESS_CODES.has(awsErrorCode(error)) || awsHttpStatus(error) === 403;
}

/**
 * Maps anything thrown by an SDK call onto our hierarchy: transient failures become retryable
 * BackendUnavailableError, missing credentials or permissions a non-retryable one, the rest INTERNAL.
 * `what` says which operation failed; the AWS code is always part of the message.
 */
export function fromAwsError(error: unknown, what: string): ScalefaceError {
  if (error instanceof ScalefaceError) return error;
  const code = awsErrorCode(error);
  const message = `${what} failed: ${code}: ${awsErrorMessage(error)}`;
  if (isTransientAwsError(error)) return new BackendUnavailableError(message, { cause: error, retryable: true });
  if (isAccessDeniedError(error)) {
    return new BackendUnavailableError(`${message} (check the AWS credentials and IAM policy)`, { cause: error, retryable: false });
  }
  return new ScalefaceError('INTERNAL', message, { cause: error });
}
