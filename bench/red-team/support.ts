/**
 * What the red-team drivers share: a data folder for `scaleface up` on the embedded backends or on SQS + S3
 * (fauxqs, in this process), the photos they send, uploads, and the stores they read back. The drivers
 * (sigterm-jobs.ts, read-only-buckets.ts, empty-queue.ts) run from the command line and from the tests.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildApp } from 'fauxqs';
import sharp from 'sharp';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig, resourceNames, type ConfigInput, type ResourceNames } from '../../src/config/index.js';
import type { ObjectStore } from '../../src/ports/object-store.js';

export type Backend = 'embedded' | 'sqs';

/** A data folder and, for `sqs`, the emulator its `up` talks to. */
export interface Deployment {
  readonly dataDir: string;
  readonly backend: Backend;
  /** The environment `up` runs with (dummy AWS credentials on `sqs`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly names: ResourceNames;
  readonly store: ObjectStore;
  /** Writes `<dataDir>/scaleface.config.json`: the backend's settings plus `settings`. */
  configure(settings: ConfigInput): Promise<void>;
  dispose(): Promise<void>;
}

const DUMMY_AWS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const inner = out[key];
    const bothObjects = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof inner === 'object' && inner !== null;
    out[key] = bothObjects ? merge(inner as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/** A fresh data folder; on `sqs` an emulator on loopback and a prefix of its own. */
export async function createDeployment(backend: Backend, label: string): Promise<Deployment> {
  const dataDir = await mkdtemp(join(tmpdir(), `scaleface-red-${label}-`));
  let backendSettings: ConfigInput = {};
  let stopEmulator = async () => undefined as void;
  if (backend === 'sqs') {
    const emulator = buildApp({ logger: false, defaultRegion: DUMMY_AWS.AWS_REGION });
    const endpoint = await emulator.listen({ host: '127.0.0.1', port: 0 });
    const aws = { endpoint, region: DUMMY_AWS.AWS_REGION };
    backendSettings = { queue: { backend: 'sqs', sqs: aws }, storage: { backend: 's3', s3: { ...aws, forcePathStyle: true } } };
    stopEmulator = () => emulator.close();
    Object.assign(process.env, DUMMY_AWS); // the S3 client of this process reads them too
  }
  const config = loadConfig({ ...backendSettings, dataDir, logLevel: 'silent' }, {});
  const store = await createObjectStore(config);
  return {
    dataDir,
    backend,
    env: backend === 'sqs' ? { ...process.env, ...DUMMY_AWS } : process.env,
    names: resourceNames(config),
    store,
    configure: (settings) =>
      writeFile(join(dataDir, 'scaleface.config.json'), JSON.stringify(merge(backendSettings as Record<string, unknown>, settings as Record<string, unknown>))),
    dispose: async () => {
      await stopEmulator();
      // RED_TEAM_KEEP=1 keeps the data folder (its up.log) for a look after the run.
      if (process.env.RED_TEAM_KEEP !== '1') await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);

/** A photo of face-api's demo folder (faces the model finds; Unknown without a gallery). */
export function demoPhoto(name = 'sample1.jpg'): Buffer {
  return readFileSync(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', name));
}

/** A flat grey JPEG: decodable, no face (NoFace). */
export function blankJpeg(size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | null;
}

/** One multipart upload of field inputFile to `path`; a network error reads as status 0. */
export async function post(url: string, path: string, fileName: string, bytes: Buffer): Promise<Answer> {
  const form = new FormData();
  form.append('inputFile', new Blob([new Uint8Array(bytes)]), fileName);
  try {
    const response = await fetch(new URL(path, url), { method: 'POST', body: form });
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { status: 0, body: String(error), retryAfter: null };
  }
}

/** The bounded-concurrency runner of the memory attacks, shared by these drivers. */
export { pooled } from '../red-team-clients.js';

/** Polls `check` every 100 ms until true; throws after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Counts of each value. */
export function tally(values: readonly (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/** The `queue.backlog` of /v1/status, or undefined when it cannot be read. */
export async function backlogOf(url: string): Promise<number | undefined> {
  try {
    const status = (await (await fetch(new URL('/v1/status', url))).json()) as { backlog?: number };
    return status.backlog;
  } catch {
    return undefined;
  }
}
