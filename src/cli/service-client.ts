/**
 * What the client commands (`enroll`, `status`, `load`) share: which service they talk to, and one message when
 * nothing answers there, naming the URL and what to run, instead of fetch's bare "fetch failed".
 */
import type { Config } from '../config/index.js';
import { BackendUnavailableError } from '../domain/errors.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * `--url` when given, else `client.url` (SCALEFACE_URL), else the service this configuration starts: its port on
 * its host (127.0.0.1 when it listens on every address).
 */
export function serviceUrl(config: Pick<Config, 'client' | 'web'>, flag?: string): string {
  if (flag !== undefined && flag !== '') return flag;
  if (config.client.url !== undefined) return config.client.url;
  const host = config.web.host === undefined || WILDCARD_HOSTS.has(config.web.host) ? '127.0.0.1' : config.web.host;
  const literal = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${literal}:${config.web.port}/`;
}

/** `--token` when given, else the token the service itself is configured with (SCALEFACE_AUTH_TOKEN). */
export function serviceToken(config: Pick<Config, 'web'>, flag?: string): string | undefined {
  return flag !== undefined && flag !== '' ? flag : config.web.authToken;
}

export function authHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** Node's fetch reports a refused or unresolvable address as a TypeError whose cause carries the system code. */
function connectionProblem(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : error.message;
}

export function unreachableMessage(base: string, problem: string): string {
  return (
    `nothing answers at ${base} (${problem}): start the service with \`npx scaleface up\` (or \`npm start\` in a clone), ` +
    'or point this command at it with --url or SCALEFACE_URL'
  );
}

/** fetch against the service at `base`; a connection that cannot be made throws BackendUnavailableError saying so. */
export async function callService(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(path, base);
  try {
    return await fetch(target, init);
  } catch (error) {
    const problem = connectionProblem(error);
    if (problem === undefined) throw error;
    throw new BackendUnavailableError(unreachableMessage(base, problem), { cause: error });
  }
}
