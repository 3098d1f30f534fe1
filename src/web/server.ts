/**
 * The web tier's server: where the app listens, and how it stops. Closing stops accepting connections, lets
 * the requests in flight finish within a bound (they may be waiting for a worker's reply, so the backends
 * stay open meanwhile), drops what is left at the bound, and only then closes the backends. Signals are
 * answered by src/system/lifecycle.ts, which calls close().
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';

/** How often connections that finished their last request are closed while draining (see drain). */
const IDLE_SWEEP_MS = 50;

export interface ServerOptions {
  /** `config.web`: host, port and the close bound. */
  readonly web: Pick<Config['web'], 'host' | 'port' | 'authToken' | 'closeGraceMs'>;
  /** Closes what the requests use (reply consumer, queues, pool); runs once the requests are done or dropped. */
  readonly closeBackends: () => Promise<void>;
  readonly log?: FastifyBaseLogger;
}

export interface RunningServer {
  /** The address listened on, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;
  /** Drains, then closes the backends; later calls return the first call's promise. */
  close(): Promise<void>;
}

/** Without a token the service is reachable from this machine only, unless `web.host` says otherwise. */
export function listenHostOf(web: ServerOptions['web']): string {
  return web.host ?? (web.authToken ? '0.0.0.0' : '127.0.0.1');
}

/**
 * Stops accepting connections and waits for the requests in flight, for at most `graceMs`; then drops the
 * connections still open. Resolves true when every request finished within the bound.
 */
export async function drain(app: FastifyInstance, graceMs: number): Promise<boolean> {
  const closed = app.close();
  // A keep-alive connection that answers its last request after close() began would otherwise stay open
  // until its keep-alive timeout (72 s) and hold close() that long.
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  let bound: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => (bound = setTimeout(() => resolve(true), graceMs)));
  try {
    const outcome = await Promise.race([closed.then(() => false as const), timedOut]);
    if (outcome === true) app.server.closeAllConnections();
    await closed;
    return outcome !== true;
  } finally {
    clearInterval(sweep);
    clearTimeout(bound);
  }
}

/** Listens as configured; `close()` drains within `web.closeGraceMs`, then closes the backends. */
export async function startServer(app: FastifyInstance, options: ServerOptions): Promise<RunningServer> {
  const { web, log } = options;
  const url = await app.listen({ host: listenHostOf(web), port: web.port });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const finished = await drain(app, web.closeGraceMs);
      if (!finished) log?.warn({ graceMs: web.closeGraceMs }, 'requests still in flight at the close bound were dropped');
      await options.closeBackends();
    })());
  return { url, close };
}
