/**
 * The permission-fault attack: `scaleface up` on the embedded backends under a steady load of `POST /`
 * (every request a file name of its own), its input and output buckets made immutable for `faultMs`, then
 * writable again. `chattr -R +i` on a bucket's folder binds root too (creating, renaming or deleting a file in
 * it fails with EPERM), which `chmod` does not. Reports the answers by status (and whether 503s carried Retry-After),
 * the requests lost (answered anything but a refusal — 4xx, 500, 503 — yet no label in the output bucket
 * once the queue drained), dead letters, and what `/readyz` said before, during and after the fault.
 *
 *   node dist/bench/red-team/read-only-buckets.js [--fault-ms 15000] [--clients 20] [--buckets in,out]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSystemProcess } from '../system-process.js';
import { backlogOf, blankJpeg, createDeployment, post, tally, until, type Answer } from './support.js';

export interface ReadOnlyBucketsOptions {
  readonly faultMs: number;
  readonly clients: number;
  /** Which buckets turn immutable: any of in, out, control, gallery. */
  readonly buckets: readonly string[];
  /** Load before and after the fault. */
  readonly beforeMs?: number;
  readonly afterMs?: number;
  readonly log?: (line: string) => void;
}

export interface ReadOnlyBucketsResult {
  readonly requests: number;
  /** `200`, `503+retry-after`, `503`, `500`, `502`, `504`, `0` (no answer), ... */
  readonly answers: Record<string, number>;
  readonly answersDuringFault: Record<string, number>;
  /** Answered other than 4xx, 500 or 503 (refusals before the queue), without a label once drained. */
  readonly lost: number;
  readonly lostExamples: string[];
  readonly deadLettered: number;
  /** /readyz status codes seen before, during and after the fault. */
  readonly readiness: { before: Record<string, number>; during: Record<string, number>; after: Record<string, number> };
  /** A request sent once the fault ended and the queue drained. */
  readonly normalRequestAfter: string;
}

/** Sets or clears the immutable attribute of `dirs` and what they hold (Linux, root, ext2/3/4-like file systems). */
export function setImmutable(dirs: readonly string[], on: boolean): void {
  for (const dir of dirs) execFileSync('chattr', ['-R', on ? '+i' : '-i', dir]);
}

interface Sent {
  readonly stem: string;
  readonly at: number;
  readonly answer: Answer;
}

function answerKind(answer: Answer): string {
  return answer.status === 503 ? (answer.retryAfter === null ? '503' : '503+retry-after') : String(answer.status);
}

async function pollReadiness(url: string, phase: () => string, stop: () => boolean): Promise<Record<string, Record<string, number>>> {
  const seen: Record<string, number[]> = { before: [], during: [], after: [] };
  while (!stop()) {
    const status = await fetch(new URL('/readyz', url)).then((r) => r.status, () => 0);
    seen[phase()]!.push(status);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, tally(v)]));
}

export async function runReadOnlyBuckets(options: ReadOnlyBucketsOptions): Promise<ReadOnlyBucketsResult> {
  const log = options.log ?? (() => undefined);
  const deployment = await createDeployment('embedded', 'readonly');
  const { store, names, dataDir } = deployment;
  const bucketOf: Record<string, string> = { in: names.inputBucket, out: names.outputBucket, control: names.controlBucket, gallery: names.galleryBucket };
  const dirs = options.buckets.map((b) => join(dataDir, 'buckets', bucketOf[b] ?? b));
  const restore = () => setImmutable(dirs, false);
  process.once('exit', restore);
  const system = await startSystemProcess(dataDir, deployment.env);
  try {
    const blank = await blankJpeg();
    let phase = 'before';
    let sending = true;
    let counter = 0;
    const sent: Sent[] = [];
    const client = async () => {
      while (sending) {
        const stem = `ro_${counter++}`;
        const at = Date.now();
        sent.push({ stem, at, answer: await post(system.url, '/', `${stem}.jpg`, blank) });
      }
    };
    const clients = Array.from({ length: options.clients }, client);
    let readinessDone = false;
    const readiness = pollReadiness(system.url, () => phase, () => readinessDone);
    await new Promise((resolve) => setTimeout(resolve, options.beforeMs ?? 3000));
    setImmutable(dirs, true);
    phase = 'during';
    const faultStart = Date.now();
    log(`buckets ${options.buckets.join(',')} immutable`);
    await new Promise((resolve) => setTimeout(resolve, options.faultMs));
    restore();
    const faultEnd = Date.now();
    phase = 'after';
    log('buckets writable again');
    await new Promise((resolve) => setTimeout(resolve, options.afterMs ?? 10_000));
    sending = false;
    await Promise.all(clients);
    await until('the queue drained', async () => (await backlogOf(system.url)) === 0, 180_000);
    const normal = await post(system.url, '/', 'after_fault.jpg', blank);
    readinessDone = true;
    const readinessSeen = await readiness;
    const labels = new Set((await store.list(names.outputBucket)).map((o) => o.key));
    const refused = (status: number) => status === 503 || status === 500 || (status >= 400 && status < 500);
    const accepted = sent.filter((s) => !refused(s.answer.status));
    const lost = accepted.filter((s) => !labels.has(s.stem));
    const status = (await (await fetch(new URL('/v1/status', system.url))).json()) as { deadLetterQueue?: { visible: number; inFlight: number } | null };
    return {
      requests: sent.length,
      answers: tally(sent.map((s) => answerKind(s.answer))),
      answersDuringFault: tally(sent.filter((s) => s.at >= faultStart && s.at < faultEnd).map((s) => answerKind(s.answer))),
      lost: lost.length,
      lostExamples: lost.slice(0, 5).map((s) => `${s.stem}: ${s.answer.status} ${s.answer.body.trim().slice(0, 80)}`),
      deadLettered: (status.deadLetterQueue?.visible ?? 0) + (status.deadLetterQueue?.inFlight ?? 0),
      readiness: readinessSeen as ReadOnlyBucketsResult['readiness'],
      normalRequestAfter: `${normal.status} ${normal.body.trim()}`,
    };
  } finally {
    restore();
    process.off('exit', restore);
    await system.stop();
    await deployment.dispose();
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runReadOnlyBuckets({
    faultMs: Number(argument('--fault-ms') ?? 15_000),
    clients: Number(argument('--clients') ?? 20),
    buckets: (argument('--buckets') ?? 'in,out').split(','),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(result, null, 2));
}
