import assert from 'node:assert/strict';
import { buildApp } from 'fauxqs';
import { BackendUnavailableError } from '../../src/domain/errors.js';

/**
 * fauxqs (an SQS + S3 emulator speaking the AWS wire protocols) in this process, on 127.0.0.1 and a
 * port the OS picks. Tests start and stop it themselves.
 */
export interface Fauxqs {
  /** `http://127.0.0.1:<port>`: the endpoint for SQS and (path-style) S3 clients. */
  readonly endpoint: string;
  readonly region: string;
  stop(): Promise<void>;
}

export const FAUXQS_REGION = 'us-east-1';

/** The SDK's default credential chain reads these; the emulator accepts any value. */
export const DUMMY_AWS_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: FAUXQS_REGION,
};

/** Puts the dummy credentials in this process's environment, which child processes inherit. */
export function useDummyAwsCredentials(): void {
  Object.assign(process.env, DUMMY_AWS_ENV);
}

export async function startFauxqs(): Promise<Fauxqs> {
  // startFauxqs() of the package listens on 0.0.0.0; building the app ourselves keeps it on loopback.
  const app = buildApp({ logger: false, defaultRegion: FAUXQS_REGION });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    endpoint: address,
    region: FAUXQS_REGION,
    stop: () => app.close(),
  };
}

/** What a call to a stopped emulator rejects with: a retryable BackendUnavailableError saying the connection failed. */
export function isUnreachable(error: unknown): boolean {
  assert.ok(error instanceof BackendUnavailableError, `got ${String(error)}`);
  assert.ok(error.retryable);
  // A kept-alive socket is reset; a new connection is refused.
  assert.match(error.message, /ECONN(REFUSED|RESET)/);
  return true;
}
