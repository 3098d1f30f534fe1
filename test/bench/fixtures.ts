import type { BenchMeasurements } from '../../bench/result.js';
import type { TimelineSample } from '../../bench/timeline.js';

export function sample(tS: number, instances: number | null, backlog: number | null, rssMb: number | null, instancesTotal = instances): TimelineSample {
  return { tS, instances, instancesTotal, backlog, rssMb, workerRssMb: rssMb === null ? null : rssMb / 4 };
}

/**
 * A small run: 0 → 2 instances during the load (t 10..20 s), the last answer at 20 s, the autoscaler
 * decides 0 at 21.5 s, the last worker exits at 22 s.
 */
export const TIMELINE: TimelineSample[] = [
  sample(0, 0, 0, 300),
  sample(1, 1, 1, 550),
  sample(10, 2, 100, 800),
  sample(15, 2, 40, 820.25),
  sample(20, 2, 0, 810),
  sample(21, 2, 0, 805),
  sample(21.5, 0, 0, 700, 1),
  sample(22, 0, 0, 300, 0),
];

export function measurements(overrides: Partial<BenchMeasurements> = {}): BenchMeasurements {
  return {
    startedAt: new Date('2026-11-25T10:00:00Z'),
    finishedAt: new Date('2026-11-25T10:05:00Z'),
    machine: {
      cpus: 2,
      cpu_model: 'Test CPU',
      node: 'v20.20.0',
      platform: 'linux x64',
      total_mem_mb: 24000,
      load_average_start: [1.5, 1, 0.5],
      load_average_end: [2, 1.5, 1],
    },
    workload: {
      name: 'seed face_images_1000',
      kind: 'seed',
      images_dir: '/seed/face_images_1000',
      gallery_dir: '/seed/gallery',
      distinct_files: 1000,
      gallery_subjects: 98,
    },
    enrollS: 60,
    bare: { engine: 'onnx: onnxruntime-node 1.30.0 (1 thread per net)', singleThreadMedianMs: 70, singleThreadImages: 30, singleThreadCpuMsPerImage: 72, parallel: { workers: 2, images: 1000, durationS: 40, correct: 1000, cpuMsPerImage: 80 } },
    bareAlternatives: {
      wasm: { engine: 'wasm: tfjs-wasm 4.22.0 (SIMD, 1 thread)', singleThreadMedianMs: 280, singleThreadImages: 30, parallel: { workers: 2, images: 1000, durationS: 160, correct: 1000 } },
      oneWorker: { engine: 'onnx: onnxruntime-node 1.30.0 (2 threads per net)', singleThreadMedianMs: 50, singleThreadImages: 30, parallel: { workers: 1, images: 1000, durationS: 50, correct: 1000 } },
    },
    coldFirstAnswerS: 1.25,
    coldLabelCorrect: true,
    warm: { requests: 30, p50Ms: 95 },
    load: {
      requests: 1000,
      concurrency: 100,
      completed: 1000,
      failed: 0,
      correct: 1000,
      durationS: 50,
      latencyMs: { p50: 4800, p95: 5600, p99: 6000, average: 4900, max: 7000 },
      failuresByReason: {},
    },
    loadCpu: { webMsPerRequest: 4, workersMsPerRequest: 88, loadClientMsPerRequest: 2, answers: 700 },
    samples: TIMELINE,
    phases: [
      { name: 'cold', tS: 0.5 },
      { name: 'load', tS: 10 },
      { name: 'last answer', tS: 20 },
    ],
    lastAnswerS: 20,
    ...overrides,
  };
}
