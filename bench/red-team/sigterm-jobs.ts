/**
 * The graceful-stop attack: N async jobs (`POST /v1/jobs`) queued on `scaleface up`, SIGTERM as soon as the
 * last one is accepted, then a restart on the same data folder. Reports what the job records said right
 * after the stop and what every job reads once the restarted system drained its queue, beside the labels in
 * the output bucket.
 *
 *   node dist/bench/red-team/sigterm-jobs.js [--jobs 300] [--backend embedded|sqs] [--workers-before-stop]
 */
import { pathToFileURL } from 'node:url';
import { JOB_RECORDS_PREFIX } from '../../src/web/job-records.js';
import { startSystemProcess } from '../system-process.js';
import { backlogOf, blankJpeg, createDeployment, demoPhoto, pooled, post, tally, until, type Backend } from './support.js';

export interface SigtermJobsOptions {
  readonly jobs: number;
  readonly backend: Backend;
  /**
   * Whether the first `up` runs workers (autoscaler on): jobs are then being worked on at the stop. Off, none
   * is finished at the stop, whatever the machine's speed (what the tests use).
   */
  readonly workersBeforeStop: boolean;
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

interface JobView {
  status: string;
  error?: { code: string };
  result?: { label: string; file: string };
}

export interface SigtermJobsResult {
  readonly backend: Backend;
  readonly accepted: number;
  /** Jobs that read finished (succeeded or failed) in the first `up` just before the SIGTERM. */
  readonly finishedBeforeStop: number;
  /** SIGTERM to exit of the first `up`. */
  readonly stopMs: number;
  /** The job records in the control bucket after the stop, by status. */
  readonly recordsAfterStop: Record<string, number>;
  /** What every accepted job reads after the restart drained the queue, by status (and failed ones by code). */
  readonly afterRestart: Record<string, number>;
  readonly failedCodes: Record<string, number>;
  /** Succeeded jobs whose label differs from the output bucket's or from the photo's expected label. */
  readonly wrongLabels: number;
  readonly labelsInOutput: number;
}

/** Every 10th photo has faces (Unknown without a gallery), the rest none (NoFace). */
async function photos(count: number): Promise<{ name: string; bytes: Buffer; expected: string }[]> {
  const [blank, faces] = [await blankJpeg(), demoPhoto()];
  return Array.from({ length: count }, (_, i) =>
    i % 10 === 0 ? { name: `face_${i}.jpg`, bytes: faces, expected: 'Unknown' } : { name: `blank_${i}.jpg`, bytes: blank, expected: 'NoFace' },
  );
}

async function readJob(url: string, id: string): Promise<JobView | undefined> {
  const response = await fetch(new URL(`/v1/jobs/${id}`, url)).catch(() => undefined);
  return response?.ok === true ? ((await response.json()) as JobView) : undefined;
}

export async function runSigtermJobs(options: SigtermJobsOptions): Promise<SigtermJobsResult> {
  const log = options.log ?? (() => undefined);
  const deployment = await createDeployment(options.backend, 'sigterm');
  const { store, names } = deployment;
  let restarted: Awaited<ReturnType<typeof startSystemProcess>> | undefined;
  try {
    await deployment.configure({ queue: { visibilityTimeoutSeconds: 5 }, autoscaler: { enabled: options.workersBeforeStop, maxInstances: 2 } });
    const first = await startSystemProcess(deployment.dataDir, deployment.env);
    const sent = await photos(options.jobs);
    const answers = await pooled(sent.length, options.concurrency ?? 20, (i) => post(first.url, '/v1/jobs', sent[i]!.name, sent[i]!.bytes));
    const ids = answers.map((a) => (a.status === 202 ? (JSON.parse(a.body) as { id: string }).id : undefined));
    const listed = (await (await fetch(new URL('/v1/jobs', first.url))).json()) as { jobs: JobView[] };
    const finishedBeforeStop = listed.jobs.filter((j) => j.status === 'succeeded' || j.status === 'failed').length;
    const stopStart = Date.now();
    await first.stop(120_000);
    const stopMs = Date.now() - stopStart;
    log(`accepted ${ids.filter(Boolean).length}/${sent.length}, finished before the stop ${finishedBeforeStop}, stop took ${stopMs} ms`);
    const records = await Promise.all(
      (await store.list(names.controlBucket, JOB_RECORDS_PREFIX)).map(async (o) => (JSON.parse((await store.get(names.controlBucket, o.key)).toString()) as JobView).status),
    );
    await deployment.configure({ queue: { visibilityTimeoutSeconds: 5 }, autoscaler: { enabled: true, maxInstances: 2 } });
    restarted = await startSystemProcess(deployment.dataDir, deployment.env);
    const url = restarted.url;
    await until('the restarted system drained its queue', async () => (await backlogOf(url)) === 0, 300_000);
    const views = await Promise.all(ids.map((id) => (id === undefined ? undefined : readJob(url, id))));
    let wrongLabels = 0;
    for (const [i, view] of views.entries()) {
      if (view?.status !== 'succeeded') continue;
      const stem = sent[i]!.name.replace(/\.jpg$/, '');
      const stored = (await store.get(names.outputBucket, stem).catch(() => Buffer.from(''))).toString();
      if (view.result?.label !== stored || stored !== sent[i]!.expected) wrongLabels += 1;
    }
    return {
      backend: options.backend,
      accepted: ids.filter(Boolean).length,
      finishedBeforeStop,
      stopMs,
      recordsAfterStop: tally(records),
      afterRestart: tally(views.map((v) => v?.status ?? 'unreadable')),
      failedCodes: tally(views.filter((v) => v?.status === 'failed').map((v) => v?.error?.code ?? '?')),
      wrongLabels,
      labelsInOutput: (await store.list(names.outputBucket)).length,
    };
  } finally {
    await restarted?.stop();
    await deployment.dispose();
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runSigtermJobs({
    jobs: Number(argument('--jobs') ?? 300),
    backend: (argument('--backend') ?? 'embedded') as Backend,
    workersBeforeStop: process.argv.includes('--workers-before-stop'),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(result, null, 2));
}
