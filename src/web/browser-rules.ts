/**
 * The browser-facing rules of a service that listens on a user's machine, one onRequest hook ahead of the token:
 *
 * - Host. A request naming a host this service is not answers 421. A DNS-rebinding page (attacker.example, its
 *   name re-pointed at 127.0.0.1 after loading) is same-origin with itself, so the browser lets it read the
 *   answers; but it sends `Host: attacker.example`, which is refused here. Served: `localhost`, any IP address
 *   (a page can only name an address it was itself loaded from, so an address cannot be rebound, and load
 *   balancer health checks send the instance's), and the configured names (`web.allowedHosts`; `*`: any). The
 *   probes /healthz and /readyz answer whatever the Host: they tell nothing.
 * - Origin. A POST, PUT, PATCH or DELETE that a browser sends from a page of another origin (an `Origin` header
 *   other than this service's own, `null` included) or marks `Sec-Fetch-Site: cross-site` answers 403, unless
 *   the origin is allowed (`web.allowedOrigins`). Clients that are not browsers send neither header and pass.
 *   Reads need no rule: without CORS headers the browser keeps their answers from the other page.
 */
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { HostNotAllowedError, OriginNotAllowedError } from '../domain/errors.js';
import type { BrowserRules } from './deps.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PROBES = new Set(['/healthz', '/readyz']);
/** How much of a client's Host or Origin an answer repeats. */
const ECHO_CHARS = 100;

interface Authority {
  /** Lowercase, without a trailing dot; an IPv6 address keeps its brackets. */
  readonly hostname: string;
  /** '' when the Host names none. */
  readonly port: string;
}

/** `name[:port]` or `[v6]:port`; undefined for anything else. */
function authorityOf(host: string): Authority | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (match === null) return undefined;
  return { hostname: (match[1] ?? '').toLowerCase().replace(/\.$/, ''), port: match[2] ?? '' };
}

function isAddress(hostname: string): boolean {
  return isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** The configured names as the Host rule compares them (a port given with a name is ignored). */
function normalizedNames(names: readonly string[]): string[] {
  return names.map((name) => (name === '*' ? '*' : (authorityOf(name)?.hostname ?? name.toLowerCase())));
}

/** Whether a request's Host is this service: localhost, an IP address, or one of `allowed` (normalized; `*`: any). */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  const authority = host === undefined ? undefined : authorityOf(host);
  if (authority === undefined || authority.hostname === '') return false;
  const { hostname } = authority;
  return hostname === 'localhost' || isAddress(hostname) || normalizedNames(allowed).includes(hostname);
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : protocol === 'http:' ? '80' : '';
}

/** Whether `origin` is the service the request reached (its Host), ports compared with the scheme's default. */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  const authority = host === undefined ? undefined : authorityOf(host);
  if (authority === undefined || !URL.canParse(origin)) return false;
  const url = new URL(origin);
  const originPort = url.port || defaultPort(url.protocol);
  return url.hostname.toLowerCase() === authority.hostname && originPort === (authority.port || defaultPort(url.protocol));
}

function originKey(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).origin : undefined;
}

/** Why a state-changing request is refused as cross-site, or undefined when it may go on. */
export function crossSiteRefusal(headers: FastifyRequest['headers'], allowedOrigins: ReadonlySet<string>): string | undefined {
  const origin = headers.origin;
  const key = typeof origin === 'string' ? originKey(origin) : undefined;
  if (key !== undefined && allowedOrigins.has(key)) return undefined;
  const advice = 'allow its origin in web.allowedOrigins (SCALEFACE_WEB_ALLOWED_ORIGINS) if it should';
  if (origin !== undefined && (typeof origin !== 'string' || !sameOrigin(origin, headers.host))) {
    return `this service does not take changes from pages of another origin (${String(origin).slice(0, ECHO_CHARS)}); ${advice}`;
  }
  if (headers['sec-fetch-site'] === 'cross-site') return `this service does not take changes from pages of another site (Sec-Fetch-Site: cross-site); ${advice}`;
  return undefined;
}

/** The onRequest hook of both rules (see the top of this file). */
export function browserRulesHook(rules: BrowserRules): (request: FastifyRequest) => Promise<void> {
  const allowedHosts = normalizedNames(rules.allowedHosts);
  const allowedOrigins = new Set(rules.allowedOrigins.map(originKey).filter((key): key is string => key !== undefined));
  return async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const host = request.headers.host;
    if (!PROBES.has(path) && !hostAllowed(host, allowedHosts)) {
      throw new HostNotAllowedError(
        `this service does not answer to the name "${String(host ?? '').slice(0, ECHO_CHARS)}"; an operator who serves it under that name adds it to web.allowedHosts (SCALEFACE_WEB_ALLOWED_HOSTS)`,
      );
    }
    if (!STATE_CHANGING.has(request.method)) return;
    const refusal = crossSiteRefusal(request.headers, allowedOrigins);
    if (refusal !== undefined) throw new OriginNotAllowedError(refusal);
  };
}
