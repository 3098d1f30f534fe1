/**
 * Command-line flags of `npm run bench` (node dist/bench/run.js [flags]); pure, so it is tested.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Requests of phase (b); undefined = every image of the workload once (1000 for the seed). */
  readonly requests?: number;
  readonly concurrency: number;
  /** Skip the all-cores bare-recognizer run of (a) (the one-thread baseline still runs). */
  readonly skipLimit: boolean;
  /** Skip (a)'s side-by-side runtimes (wasm, one onnx worker on every core); the system's own layout still runs. */
  readonly skipAlternatives: boolean;
  /** Images recognized in (a) across all workers; undefined = as many as (b) sends. */
  readonly limitImages?: number;
  /** Worker threads in (a); default one per core. */
  readonly limitWorkers?: number;
  /** One-at-a-time requests to warm workers, for the added latency at concurrency 1. */
  readonly warmRequests: number;
  /** Per-request timeout of phase (b). */
  readonly timeoutMs: number;
  /** Folder with face_images_1000/, gallery/ and the CSV; default: looked for like the acceptance test does. */
  readonly seedDir?: string;
  /** Use face-api's demo photos even when the seed data is there. */
  readonly demo: boolean;
  /** Where the JSON and SVG go; default bench/results. */
  readonly outDir?: string;
  /** Keep the system's temporary data folder (logs, queue, buckets) for inspection. */
  readonly keep: boolean;
  readonly help: boolean;
  /** Measure recognition accuracy (bench/accuracy) instead of throughput. */
  readonly accuracy: boolean;
  /** The labelled real-photo set of the accuracy bench; default: looked for beside the seed data. */
  readonly realPhotosDir?: string;
  /** Compare per-image model time with the build in `baseline` (bench/model-cost.ts) instead of throughput. */
  readonly modelCost: boolean;
  /** `dist/` folder of another build, for --model-cost. */
  readonly baseline?: string;
  /** --accuracy: keep the enrolled gallery in this folder and reuse it on the next run. */
  readonly store?: string;
  /** Rounds over the images in --model-cost. */
  readonly rounds: number;
  /** The models measured, one after the other in this run (`--model`, repeatable, or `--models a,b`): default face. */
  readonly models: readonly string[];
  /** `dist/` folder of another build whose `scaleface up` (b) runs, measured by this build's bench: old vs new side by side. */
  readonly system?: string;
  /** `--gallery N[,N...]`: the gallery-at-scale bench (bench/gallery) for these sizes instead of throughput. */
  readonly gallery?: readonly number[];
  /** --gallery: the largest N also written and loaded in ffd3ba0's layout (one file per subject), for the before figure. */
  readonly legacyUpTo: number;
}

export const BENCH_USAGE = `usage: npm run bench -- [flags]
  --requests <n>        requests of the end-to-end run (default: every workload image once; 1000 for the seed)
  --concurrency <n>     requests in flight at once (default 100)
  --skip-limit          skip the all-cores bare-recognizer run (a)
  --skip-alternatives   skip (a)'s wasm and one-worker runs (the limit on the system's own layout still runs)
  --limit-images <n>    images recognized in (a) (default: as many as --requests)
  --limit-workers <n>   worker threads in (a) (default: one per core)
  --warm-requests <n>   one-at-a-time requests for the added latency at concurrency 1 (default 30)
  --timeout-ms <n>      per-request timeout (default 300000)
  --seed-dir <dir>      the seed data (face_images_1000/, gallery/, classification_face_images_1000.csv)
  --demo                use face-api's demo photos instead of the seed data
  --out-dir <dir>       where results go (default bench/results)
  --keep                keep the system's temporary data folder
  --accuracy            instead: recognition accuracy on the seed data and the real-photo set (bench/accuracy)
  --real-photos <dir>   the labelled real-photo set for --accuracy (folder with manifest.json; default test/fixtures/real-photos)
  --store <dir>         --accuracy: keep the enrolled gallery there and reuse it next time
  --model-cost          instead: per-image model time of this build vs --baseline, side by side
  --baseline <dist>     dist/ folder of the other build (npx tsc -p . in a worktree of the other commit);
                        with --accuracy, the false-face and small-probe table measures it beside this build
  --rounds <n>          rounds over the course images for --model-cost (default 10)
  --model <model>       the model served and measured: face (default), objects, or a model folder; repeat it (or
                        --models face,objects,<dir>) to measure several side by side, each on the same images
  --system <dist>       run (b) on another build's scaleface up (its dist/ folder), measured by this bench
  --gallery <n,...>     instead: the gallery at scale for these subject counts (1k, 10k, 100k or numbers; default
                        1k,10k,100k when empty); real faces for accuracy from --seed-dir (README, "Gallery at scale")
  --legacy-up-to <n>    --gallery: the largest N also measured in the old one-file-per-subject layout (default 10000)
quick smoke run: npm run bench -- --requests 40 --concurrency 10 --skip-limit --warm-requests 5`;

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got "${raw}"`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      'skip-limit': { type: 'boolean', default: false },
      'skip-alternatives': { type: 'boolean', default: false },
      'limit-images': { type: 'string' },
      'limit-workers': { type: 'string' },
      'warm-requests': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'seed-dir': { type: 'string' },
      demo: { type: 'boolean', default: false },
      'out-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      accuracy: { type: 'boolean', default: false },
      'real-photos': { type: 'string' },
      'model-cost': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      rounds: { type: 'string' },
      store: { type: 'string' },
      model: { type: 'string', multiple: true },
      models: { type: 'string' },
      system: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      gallery: { type: 'string' },
      'legacy-up-to': { type: 'string' },
    },
  });
  return {
    requests: positive('requests', values.requests),
    concurrency: positive('concurrency', values.concurrency) ?? 100,
    skipLimit: values['skip-limit'] ?? false,
    skipAlternatives: values['skip-alternatives'] ?? false,
    limitImages: positive('limit-images', values['limit-images']),
    limitWorkers: positive('limit-workers', values['limit-workers']),
    warmRequests: positive('warm-requests', values['warm-requests']) ?? 30,
    timeoutMs: positive('timeout-ms', values['timeout-ms']) ?? 300_000,
    seedDir: values['seed-dir'],
    demo: values.demo ?? false,
    outDir: values['out-dir'],
    keep: values.keep ?? false,
    help: values.help ?? false,
    accuracy: values.accuracy ?? false,
    realPhotosDir: values['real-photos'],
    modelCost: values['model-cost'] ?? false,
    baseline: values.baseline,
    rounds: positive('rounds', values.rounds) ?? 10,
    store: values.store,
    models: modelsOf(values.model, values.models),
    system: values.system,
    gallery: gallerySizes(values.gallery),
    legacyUpTo: positive('legacy-up-to', values['legacy-up-to']) ?? 10_000,
  };
}

/** `1k,10k,100k` or whole numbers; an empty value is the default three. */
function gallerySizes(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item.length > 0);
  if (items.length === 0) return [1_000, 10_000, 100_000];
  return items.map((item) => positive('gallery', item.endsWith('k') ? String(Number(item.slice(0, -1)) * 1000) : item) as number);
}

function modelsOf(model: readonly string[] | undefined, models: string | undefined): string[] {
  const listed = [...(model ?? []), ...(models ?? '').split(',')].map((m) => m.trim()).filter((m) => m.length > 0);
  return listed.length === 0 ? ['face'] : [...new Set(listed)];
}
