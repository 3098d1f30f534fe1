/**
 * The benchmark's result document (what bench/results/<date>.json holds) and the arithmetic that turns
 * the raw measurements into it. Pure: the measurements come in, numbers and a plain object come out.
 */
import { peakOf, secondsUntilZero, toColumns, type PhaseMark, type TimelineColumns, type TimelineSample } from './timeline.js';

/** The course's 2026 grader: full marks for an average end-to-end latency under this many seconds. */
export const GRADER_AVG_LATENCY_LIMIT_S = 1.2;

export interface MachineInfo {
  readonly cpus: number;
  readonly cpu_model: string;
  readonly node: string;
  readonly platform: string;
  readonly total_mem_mb: number;
  readonly load_average_start: number[];
  readonly load_average_end: number[];
}

export interface WorkloadInfo {
  /** `seed face_images_1000` or `face-api demo crops (seed data missing)`. */
  readonly name: string;
  readonly kind: 'seed' | 'demo';
  readonly images_dir: string;
  readonly gallery_dir: string;
  readonly distinct_files: number;
  readonly gallery_subjects: number;
}

/** (a) The bare recognizer: no HTTP, queue or storage. */
export interface BareMeasurement {
  /** What ran the nets, e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`. */
  readonly engine: string;
  /** Median ms of recognize() on one thread alone, over the warm-phase images. */
  readonly singleThreadMedianMs: number;
  readonly singleThreadImages: number;
  /** CPU ms per image of the one-thread run (this process's counters: the model's whole cost, every thread). */
  readonly singleThreadCpuMsPerImage?: number;
  /** null when the parallel part was skipped (--skip-limit). */
  readonly parallel: { workers: number; images: number; durationS: number; correct: number; cpuMsPerImage?: number } | null;
}

/** Latency summary in milliseconds (nearest-rank percentiles, as src/load/stats.ts computes them). */
export interface LatencyMs {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly average: number;
  readonly max: number;
}

/** (b) The workload through the running system. */
export interface EndToEndMeasurement {
  readonly requests: number;
  readonly concurrency: number;
  readonly completed: number;
  readonly failed: number;
  readonly correct: number | null;
  readonly durationS: number;
  readonly latencyMs: LatencyMs | null;
  readonly failuresByReason: Readonly<Record<string, number>>;
}

export interface BenchMeasurements {
  /** The model served and measured (`--model`): face, objects or a model folder; absent: face. */
  readonly model?: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly machine: MachineInfo;
  readonly workload: WorkloadInfo;
  readonly enrollS: number;
  /** (a) on the runtime and layout the system runs (one worker per core, onnx threads as configured). */
  readonly bare: BareMeasurement;
  /** (a) side by side: the wasm runtime, and onnx with one worker using every core; null when skipped. */
  readonly bareAlternatives: { readonly wasm: BareMeasurement; readonly oneWorker: BareMeasurement } | null;
  /** Seconds from sending one request at 0 instances to its answer; null when it failed. */
  readonly coldFirstAnswerS: number | null;
  readonly coldLabelCorrect: boolean;
  readonly warm: { requests: number; p50Ms: number | null };
  readonly load: EndToEndMeasurement;
  /** CPU per request of each process kind in the load phase's steady part; null off Linux. */
  readonly loadCpu?: { webMsPerRequest: number; workersMsPerRequest: number; loadClientMsPerRequest: number; answers: number } | null;
  readonly samples: readonly TimelineSample[];
  readonly phases: readonly PhaseMark[];
  /** Timeline second at which the last answer of (b) arrived. */
  readonly lastAnswerS: number;
}

export interface BenchResult {
  readonly [field: string]: unknown;
  readonly schema: 'scaleface-bench/1';
  readonly workload: WorkloadInfo;
  readonly machine: MachineInfo;
  readonly timeline: TimelineColumns;
}

/** Fields every result carries; each is a finite number (or null when that part did not run or never happened). */
export const NUMERIC_FIELDS = [
  'limit_img_per_s',
  'end_to_end_img_per_s',
  'ratio',
  'cold_first_answer_s',
  'added_latency_p50_ms',
  'avg_latency_s',
  'scale_in_s',
  'correct',
  'requests',
  'peak_rss_mb',
  'limit_over_wasm_limit',
  'overhead_over_model',
] as const;

function rounded(value: number | null | undefined, digits = 3): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function divide(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

function limitOf(bare: BareMeasurement | undefined): number | null {
  const parallel = bare?.parallel;
  return rounded(parallel ? divide(parallel.images, parallel.durationS) : null, 2);
}

function alternativeFields(m: BenchMeasurements): Record<string, unknown> {
  const { wasm, oneWorker } = m.bareAlternatives ?? {};
  const limit = limitOf(m.bare);
  return {
    wasm_engine: wasm?.engine ?? null,
    wasm_limit_img_per_s: limitOf(wasm),
    wasm_limit_correct: wasm?.parallel?.correct ?? null,
    wasm_single_thread_median_ms: rounded(wasm?.singleThreadMedianMs, 1),
    limit_over_wasm_limit: rounded(divide(limit, limitOf(wasm)), 2),
    one_worker_engine: oneWorker?.engine ?? null,
    one_worker_limit_img_per_s: limitOf(oneWorker),
  };
}

function bareFields(bare: BareMeasurement): Record<string, unknown> {
  const parallel = bare.parallel;
  return {
    limit_engine: bare.engine,
    limit_img_per_s: limitOf(bare),
    limit_workers: parallel?.workers ?? null,
    limit_images: parallel?.images ?? null,
    limit_correct: parallel?.correct ?? null,
    single_thread_median_ms: rounded(bare.singleThreadMedianMs, 1),
    single_thread_images: bare.singleThreadImages,
  };
}

function loadFields(load: EndToEndMeasurement): Record<string, unknown> {
  const ms = load.latencyMs;
  const avgS = ms ? ms.average / 1000 : null;
  return {
    requests: load.requests,
    concurrency: load.concurrency,
    completed: load.completed,
    failed: load.failed,
    correct: load.correct,
    failures_by_reason: load.failuresByReason,
    duration_s: rounded(load.durationS),
    end_to_end_img_per_s: rounded(divide(load.completed, load.durationS), 2),
    avg_latency_s: rounded(avgS),
    latency_p50_s: rounded(ms ? ms.p50 / 1000 : null),
    latency_p95_s: rounded(ms ? ms.p95 / 1000 : null),
    latency_p99_s: rounded(ms ? ms.p99 / 1000 : null),
    latency_max_s: rounded(ms ? ms.max / 1000 : null),
    seconds_per_request: rounded(divide(load.durationS, load.requests)),
    grader_avg_latency_limit_s: GRADER_AVG_LATENCY_LIMIT_S,
    grader_avg_latency_ok: avgS !== null && avgS < GRADER_AVG_LATENCY_LIMIT_S,
  };
}

function phaseFields(phases: readonly PhaseMark[]): Record<string, number> {
  return Object.fromEntries(phases.map((p) => [p.name, rounded(p.tS) ?? 0]));
}

function systemFields(m: BenchMeasurements): Record<string, unknown> {
  const loadStart = m.phases.find((p) => p.name === 'load')?.tS ?? 0;
  return {
    cold_first_answer_s: rounded(m.coldFirstAnswerS),
    cold_label_correct: m.coldLabelCorrect,
    warm_requests: m.warm.requests,
    warm_p50_ms: rounded(m.warm.p50Ms, 1),
    added_latency_p50_ms: rounded(m.warm.p50Ms === null ? null : m.warm.p50Ms - m.bare.singleThreadMedianMs, 1),
    scale_in_s: rounded(secondsUntilZero(m.samples, m.lastAnswerS, 'instancesTotal')),
    scale_in_decision_s: rounded(secondsUntilZero(m.samples, m.lastAnswerS, 'instances')),
    peak_rss_mb: rounded(peakOf(m.samples, 'rssMb'), 1),
    peak_rss_mb_during_load: rounded(peakOf(m.samples, 'rssMb', loadStart, Infinity), 1),
    idle_rss_mb: rounded(m.samples[0]?.rssMb, 1),
    peak_worker_rss_mb: rounded(peakOf(m.samples, 'workerRssMb', loadStart, Infinity), 1),
    peak_instances: peakOf(m.samples, 'instancesTotal'),
    peak_backlog: peakOf(m.samples, 'backlog'),
    enroll_s: rounded(m.enrollS, 1),
    phases_s: phaseFields(m.phases),
    last_answer_s: rounded(m.lastAnswerS),
  };
}

/** The model's CPU per image: the bare parallel run's (most images), else the one-thread run's. */
function modelCpuMs(bare: BareMeasurement): number | null {
  return bare.parallel?.cpuMsPerImage ?? bare.singleThreadCpuMsPerImage ?? null;
}

/**
 * CPU ms per request by process kind (the bench JSON's `cpu_ms_per_request`): the web tier, each worker's part
 * outside the model (the workers' CPU less the bare model's on the same images), the load client, the model; and
 * the overhead (web + worker overhead) over the model, the issue's target (<= 0.15).
 */
export function cpuFields(m: Pick<BenchMeasurements, 'bare' | 'loadCpu'>): Record<string, unknown> {
  const model = modelCpuMs(m.bare);
  const cpu = m.loadCpu ?? null;
  if (cpu === null) return { cpu_ms_per_request: null, overhead_over_model: null };
  const workerOverhead = model === null ? null : cpu.workersMsPerRequest - model;
  return {
    cpu_ms_per_request: {
      web: rounded(cpu.webMsPerRequest, 2),
      worker_total: rounded(cpu.workersMsPerRequest, 2),
      worker_overhead: rounded(workerOverhead, 2),
      load_client: rounded(cpu.loadClientMsPerRequest, 2),
      model: rounded(model, 2),
      answers_measured: cpu.answers,
    },
    overhead_over_model: rounded(workerOverhead === null ? null : divide(cpu.webMsPerRequest + workerOverhead, model)),
  };
}

/** Turns the measurements into the result document. */
export function buildBenchResult(m: BenchMeasurements): BenchResult {
  const bare = bareFields(m.bare);
  const load = loadFields(m.load);
  const limit = typeof bare.limit_img_per_s === 'number' ? bare.limit_img_per_s : null;
  return {
    schema: 'scaleface-bench/1',
    model: m.model ?? 'face',
    started_at: m.startedAt.toISOString(),
    finished_at: m.finishedAt.toISOString(),
    workload: m.workload,
    machine: m.machine,
    ...bare,
    ...alternativeFields(m),
    ...load,
    ratio: rounded(divide(load.end_to_end_img_per_s as number | null, limit)),
    ...systemFields(m),
    ...cpuFields(m),
    timeline: toColumns(m.samples),
  };
}

/** Names of NUMERIC_FIELDS that are missing or neither a finite number nor null. */
export function invalidNumericFields(result: Readonly<Record<string, unknown>>): string[] {
  return NUMERIC_FIELDS.filter((field) => {
    const value = result[field];
    return !(value === null || (typeof value === 'number' && Number.isFinite(value)));
  });
}
