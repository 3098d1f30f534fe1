/**
 * The red team's attacks on a running `scaleface up` (issue 24): each returns the figures the closing note
 * needs (answers by status, peak and settled memory of up and its workers, latencies). Used by bench/red-team.ts
 * with the sizes and by test/e2e/red-team-memory.test.ts with small ones.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { readTreeRss } from './process-tree.js';
import {
  NormalProbe,
  postUpload,
  pooled,
  stalledUpload,
  treeRssMb,
  tricklingUpload,
  TreeMemorySampler,
  type Answer,
} from './red-team-clients.js';

const require = createRequire(import.meta.url);

/** A course-sized image: face-api's demo photo at 64 px, JPEG quality 50 (as the course's images). */
export async function courseImage(): Promise<Buffer> {
  const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
  return sharp(readFileSync(demo)).resize(64, 64, { fit: 'cover' }).jpeg({ quality: 50 }).toBuffer();
}

export interface Target {
  readonly url: string;
  /** Pid of `scaleface up`; its descendants are its workers. */
  readonly pid: number;
  /** A normal (course-sized) image, sent by the probe during each attack. */
  readonly normalImage: Buffer;
}

export type StatusCounts = Record<string, number>;

export function countStatuses(answers: readonly Pick<Answer, 'status'>[]): StatusCounts {
  const counts: StatusCounts = {};
  for (const { status } of answers) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

/** 503 answers that lack a Retry-After header (the rule says every 503 carries one). */
export function missingRetryAfter(answers: readonly Answer[]): number {
  return answers.filter((a) => a.status === 503 && a.headers['retry-after'] === undefined).length;
}

/** A noisy PNG of about `bytes` bytes (noise does not compress): a valid image a worker really decodes. */
export async function noisyPng(bytes: number): Promise<Buffer> {
  const side = Math.floor(Math.sqrt(bytes / 3.2));
  const noise = { type: 'gaussian', mean: 128, sigma: 60 } as const;
  return sharp({ create: { width: side, height: side, channels: 3, background: '#808080', noise } }).png({ compressionLevel: 1 }).toBuffer();
}

/** The tree now: total, `up` alone, and how many processes. */
export async function treeNow(pid: number): Promise<{ totalMb: number; upMb: number; processes: number }> {
  const tree = await readTreeRss(pid);
  return { totalMb: Math.round(tree?.rssMb ?? 0), upMb: Math.round(tree?.rootMb ?? 0), processes: tree?.pids.length ?? 0 };
}

/** Waits until the tree's RSS stops falling (two readings `stepMs` apart within 2 %), at most `maxMs`. */
export async function settledRssMb(pid: number, maxMs = 30_000, stepMs = 2000): Promise<number> {
  const deadline = performance.now() + maxMs;
  let previous = await treeRssMb(pid);
  while (performance.now() < deadline) {
    await sleep(stepMs);
    const now = await treeRssMb(pid);
    if (Math.abs(now - previous) <= previous * 0.02) return now;
    previous = now;
  }
  return previous;
}

interface JobView {
  readonly status: string;
}

async function jobStatus(url: string, id: string): Promise<string> {
  const response = await fetch(new URL(`/v1/jobs/${id}`, url));
  return response.ok ? ((await response.json()) as JobView).status : `http ${response.status}`;
}

/** Polls every accepted job until none is queued or running (or `timeoutMs`); their final statuses. */
export async function awaitJobs(url: string, ids: readonly string[], timeoutMs: number): Promise<StatusCounts> {
  const deadline = performance.now() + timeoutMs;
  let statuses: string[] = [];
  do {
    statuses = [];
    for (const id of ids) statuses.push(await jobStatus(url, id));
    if (!statuses.some((s) => s === 'queued' || s === 'running')) break;
    await sleep(1000);
  } while (performance.now() < deadline);
  const counts: StatusCounts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

export interface JobsFlood {
  readonly answers: StatusCounts;
  readonly missingRetryAfter: number;
  readonly acceptedIds: string[];
  /** File names of the accepted jobs (their stems are the labels' keys in the output bucket). */
  readonly acceptedFiles: string[];
  readonly idleMb: number;
  readonly peakMb: number;
  readonly peakUpMb: number;
  readonly mostProcesses: number;
  readonly probe: StatusCounts;
  readonly probeMaxMs: number;
}

/** `count` async jobs (`POST /v1/jobs`) of `image` at `concurrency`, with a normal request every second meanwhile. */
export async function floodJobs(target: Target, image: Buffer, count: number, concurrency: number, prefix = 'flood'): Promise<JobsFlood> {
  const idleMb = await treeRssMb(target.pid);
  const memory = new TreeMemorySampler(target.pid);
  const probe = new NormalProbe(target.url, target.normalImage);
  const answers = await pooled(count, concurrency, (i) => postUpload(target.url, '/v1/jobs', `${prefix}_${i}.png`, image));
  const probed = await probe.stop();
  await memory.stop();
  const accepted = answers.flatMap((a, i) => (a.status === 202 ? [{ id: (JSON.parse(a.body) as { id: string }).id, file: `${prefix}_${i}.png` }] : []));
  return {
    answers: countStatuses(answers),
    missingRetryAfter: missingRetryAfter(answers),
    acceptedIds: accepted.map((a) => a.id),
    acceptedFiles: accepted.map((a) => a.file),
    idleMb,
    peakMb: memory.peakMb,
    peakUpMb: memory.peakUpMb,
    mostProcesses: memory.mostProcesses,
    probe: countStatuses(probed),
    probeMaxMs: Math.max(0, ...probed.map((a) => a.ms)),
  };
}

export interface HeldUploads {
  /** Answers that came while the attackers still held their uploads (503 at once, 408 or a cut at the timeout). */
  readonly answered: StatusCounts;
  /** Uploads the server had not ended when the hold was over. */
  readonly stillOpen: number;
  readonly missingRetryAfter: number;
  readonly idleMb: number;
  readonly peakMb: number;
  readonly peakUpMb: number;
  readonly probe: StatusCounts;
  readonly probeMaxMs: number;
}

async function holdUploads(target: Target, start: (i: number) => ReturnType<typeof stalledUpload>, count: number, holdMs: number): Promise<HeldUploads> {
  const idleMb = await treeRssMb(target.pid);
  const memory = new TreeMemorySampler(target.pid);
  const probe = new NormalProbe(target.url, target.normalImage);
  const uploads = Array.from({ length: count }, (_, i) => start(i));
  const deadline = performance.now() + holdMs;
  while (performance.now() < deadline && uploads.some((u) => !u.ended())) await sleep(250);
  const endedByServer = uploads.map((u) => u.ended());
  const probed = await probe.stop();
  await memory.stop();
  for (const upload of uploads) upload.abandon();
  const answers = (await Promise.all(uploads.map((u) => u.answer))).filter((_, i) => endedByServer[i]);
  return {
    answered: countStatuses(answers),
    stillOpen: endedByServer.filter((ended) => !ended).length,
    missingRetryAfter: missingRetryAfter(answers),
    idleMb,
    peakMb: memory.peakMb,
    peakUpMb: memory.peakUpMb,
    probe: countStatuses(probed),
    probeMaxMs: Math.max(0, ...probed.map((a) => a.ms)),
  };
}

/** `count` uploads of `image` that send `sendBytes` of it and stall, held for `holdMs`. */
export function stallUploads(target: Target, image: Buffer, sendBytes: number, count: number, holdMs: number): Promise<HeldUploads> {
  return holdUploads(target, (i) => stalledUpload(target.url, '/v1/jobs', `stall_${i}.png`, image, sendBytes), count, holdMs);
}

/** `count` uploads trickling one byte a second, held for `holdMs`. */
export function trickleUploads(target: Target, count: number, holdMs: number): Promise<HeldUploads> {
  return holdUploads(target, () => tricklingUpload(target.url, '/', target.normalImage), count, holdMs);
}

export interface Overload {
  readonly clients: number;
  readonly answers: StatusCounts;
  readonly missingRetryAfter: number;
  readonly maxMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** `clients` closed-loop clients each sending `perClient` normal requests to `POST /` (a new one when answered). */
export async function overload(target: Target, clients: number, perClient: number, timeoutMs: number): Promise<Overload> {
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let r = 0; r < perClient; r++) answers.push(await postUpload(target.url, '/', `load_${c}_${r}.jpg`, target.normalImage, timeoutMs));
    }),
  );
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { clients, answers: countStatuses(answers), missingRetryAfter: missingRetryAfter(answers), maxMs: at(1), p50Ms: at(0.5), p99Ms: at(0.99) };
}

function sprinkled(side: number, stride: number): Promise<Buffer> {
  const raw = Buffer.alloc(side * side, 128);
  for (let i = 0, v = 7; i < raw.length; i += stride, v = (v * 48271) % 2147483647) raw[i] = v & 0xff;
  return sharp(raw, { raw: { width: side, height: side, channels: 1 } }).png({ compressionLevel: 9 }).toBuffer();
}

/**
 * A `side`×`side` PNG that compresses to about `bytes` (within 10 %): a flat grey image with a sprinkle of
 * noise, denser or sparser until the size fits (a fixed sequence keeps it deterministic).
 */
export async function sparsePng(side: number, bytes: number): Promise<Buffer> {
  let stride = Math.max(1, Math.floor((side * side) / (bytes * 0.15)));
  let png = await sprinkled(side, stride);
  for (let round = 0; round < 6 && Math.abs(png.length - bytes) > bytes * 0.1; round++) {
    stride = Math.max(1, Math.round(stride * (png.length / bytes)));
    png = await sprinkled(side, stride);
  }
  return png;
}

export interface BigImage {
  readonly bytes: number;
  readonly pixels: number;
  readonly status: number;
  readonly message: string;
  /** CPU time to decode the image once with sharp in this process (what a worker would spend first). */
  readonly decodeMs: number;
  /** The same for the normal image, for scale. */
  readonly normalDecodeMs: number;
  /** A flat image of the floor's size (2000×2000, 4 MP: what any file may declare): the worker's time on it. */
  readonly floorImage: { readonly bytes: number; readonly status: number; readonly inferenceMs: number | null; readonly decodeMs: number };
}

async function decodeMs(image: Buffer): Promise<number> {
  const started = process.cpuUsage();
  await sharp(image, { limitInputPixels: false }).raw().toBuffer();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** A large-pixel, small-byte PNG (the decompression-cost attack) sent to `/v1/recognitions`. */
export async function bigPixelImage(target: Target, side = 6300, bytes = 128 * 1024): Promise<BigImage> {
  const image = await sparsePng(side, bytes);
  const answer = await postUpload(target.url, '/v1/recognitions', 'big.png', image);
  const message = answer.status === 200 ? answer.body.slice(0, 200) : String((JSON.parse(answer.body || '{}') as { error?: { message?: string } }).error?.message);
  const floor = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#808080' } }).png().toBuffer();
  const floorAnswer = await postUpload(target.url, '/v1/recognitions', 'floor.png', floor);
  const floorMs = floorAnswer.status === 200 ? ((JSON.parse(floorAnswer.body) as { inferenceMs?: number }).inferenceMs ?? null) : null;
  return {
    bytes: image.length,
    pixels: side * side,
    status: answer.status,
    message,
    decodeMs: await decodeMs(image),
    normalDecodeMs: await decodeMs(target.normalImage),
    floorImage: { bytes: floor.length, status: floorAnswer.status, inferenceMs: floorMs, decodeMs: await decodeMs(floor) },
  };
}
