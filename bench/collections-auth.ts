/**
 * What a collection's credential costs the web tier per request, in process (no worker): `GET /v1/subjects` of the
 * default collection with the admin token, and `GET /v1/collections/{c}/subjects` with the admin token, with a key
 * (looked up once per web.accessCacheMs) and with a key looked up every time (cache 0: one object read per request).
 * Run: `npm run build && node dist/bench/collections-auth.js [requests]`. Prints µs per request, median of 5 rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { createBackends, createRequestQueues, ensureBuckets } from '../src/system/backends.js';
import { createWebTier } from '../src/system/web-tier.js';
import { IDLE_STATUS } from '../test/helpers/status.js';

const TOKEN = 'bench-admin-token';

async function perRequestMicros(inject: () => Promise<unknown>, requests: number): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < requests; i++) await inject();
    rounds.push(((performance.now() - started) * 1000) / requests);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

async function measure(cacheMs: number, requests: number): Promise<Record<string, number>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-bench-auth-'));
  const backends = await createBackends(loadConfig({ dataDir, logLevel: 'silent', web: { authToken: TOKEN, accessCacheMs: cacheMs } }, {}));
  await ensureBuckets(backends);
  const { requestQueue } = await createRequestQueues(backends);
  const web = await createWebTier(backends, { requestQueue, status: IDLE_STATUS });
  try {
    const admin = { authorization: `Bearer ${TOKEN}` };
    await web.app.inject({ method: 'POST', url: '/v1/collections', headers: admin, payload: { name: 'c' } });
    const { key } = (await web.app.inject({ method: 'POST', url: '/v1/collections/c/keys', headers: admin, payload: { scopes: ['enroll'] } })).json<{ key: string }>();
    const get = (url: string, authorization: string) => () => web.app.inject({ url, headers: { authorization } });
    return {
      [`default collection, token`]: await perRequestMicros(get('/v1/subjects', admin.authorization), requests),
      [`named collection, token`]: await perRequestMicros(get('/v1/collections/c/subjects', admin.authorization), requests),
      [`named collection, key (cache ${cacheMs} ms)`]: await perRequestMicros(get('/v1/collections/c/subjects', `Bearer ${key}`), requests),
    };
  } finally {
    await web.close();
    await backends.queues.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const requests = Number(process.argv[2] ?? 2000);
const rows = { ...(await measure(2000, requests)), ...(await measure(0, requests)) };
for (const [what, micros] of Object.entries(rows)) console.log(`${what.padEnd(40)} ${micros.toFixed(0).padStart(6)} µs/request`);
