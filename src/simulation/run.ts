/**
 * What `scaleface simulate` runs: every policy on every trace of the set (or the named ones, or a replayed
 * run) in simulated time; prints the comparison table, writes it as JSON (`--json`) and draws one SVG per
 * trace (`--svg-dir`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBenchRecord, replayTrace } from './bench-trace.js';
import { compareOnTrace, SWEEP, type ComparisonRow } from './compare.js';
import { PROFILES, SERVICE_TIME, type BootProfileName, type SimulationProfile } from './profiles.js';
import { comparisonTable, verdictLines } from './report.js';
import { comparisonSvg } from './svg.js';
import { makeTrace, TRACE_NAMES, type Trace } from './traces.js';

export interface SimulateOptions {
  readonly json?: string;
  readonly svgDir?: string;
  readonly trace?: string[];
  readonly seed: number;
  readonly replay?: string;
  readonly boot: BootProfileName;
  readonly slo?: number;
  /** A bench result file (JSON) to rebuild the `bench` trace from, instead of the recorded run. */
  readonly benchResult?: string;
}

async function tracesFor(options: SimulateOptions): Promise<Trace[]> {
  if (options.replay !== undefined) return [await replayTrace(options.replay, SERVICE_TIME.median)];
  const names = options.trace ?? TRACE_NAMES;
  const bench = options.benchResult === undefined ? undefined : await readBenchRecord(options.benchResult);
  return Promise.all(names.map((name) => makeTrace(name, options.seed, bench)));
}

function describe(profile: SimulationProfile, seed: number): string {
  const { boot, shutdown } = profile;
  return [
    `profile ${profile.name}: boot median ${boot.median} s (σ ${boot.sigma}), shutdown median ${shutdown.median} s, queue depth ${profile.depthLagS} s behind,`,
    `tick ${profile.tickS} s, billing per second with a ${profile.billingMinimumS} s minimum at $${profile.pricePerHour}/h, max ${profile.maxInstances} instances;`,
    `service time per image: median ${SERVICE_TIME.median * 1000} ms (σ ${SERVICE_TIME.sigma}); latency target: p95 <= ${profile.sloS} s; seed ${seed};`,
    `anchors tuned over ${SWEEP.join(', ')}: the cheapest setting that meets the target is shown.`,
  ].join('\n');
}

export async function runSimulation(options: SimulateOptions, print: (line: string) => void = console.log): Promise<ComparisonRow[]> {
  const base = PROFILES[options.boot];
  const profile = options.slo === undefined ? base : { ...base, sloS: options.slo };
  const traces = await tracesFor(options);
  print(describe(profile, options.seed));
  const rows: ComparisonRow[] = [];
  for (const trace of traces) {
    const { rows: traceRows, timelines } = compareOnTrace(trace, profile, options.seed);
    rows.push(...traceRows);
    if (options.svgDir !== undefined) {
      await mkdir(options.svgDir, { recursive: true });
      await writeFile(join(options.svgDir, `${profile.name}-${trace.name}.svg`), comparisonSvg(`${trace.name} (${profile.name}): ${trace.description}`, timelines));
    }
  }
  print('');
  print(comparisonTable(rows));
  print('');
  print(verdictLines(rows));
  if (options.json !== undefined) await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
  return rows;
}

