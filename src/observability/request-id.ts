import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Ids a client may choose: short, and safe to put in logs and headers as they are. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id of an incoming HTTP request: the client's `x-request-id` when it is acceptable,
 * otherwise a fresh UUID. It names the request in the web tier's logs, travels to the worker as
 * the request message's `traceId`, and is answered in the `x-request-id` response header.
 */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers['x-request-id'];
  const candidate = Array.isArray(given) ? given[0] : given;
  return candidate !== undefined && ACCEPTED_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
