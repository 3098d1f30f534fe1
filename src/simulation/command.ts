/**
 * `scaleface simulate`: the options; the simulation itself (run.ts) is imported when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { isBootProfileName, PROFILES, type BootProfileName } from './profiles.js';
import { TRACE_NAMES } from './traces.js';
import type { SimulateOptions } from './run.js';

function seedOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a seed is a whole number >= 0');
  return n;
}

function bootOf(value: string): BootProfileName {
  if (!isBootProfileName(value)) throw new InvalidArgumentError(`one of ${Object.keys(PROFILES).join(', ')}`);
  return value;
}

function sloOf(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('seconds > 0');
  return n;
}

export function registerSimulateCommand(program: Command, fail: (error: unknown) => never): void {
  program
    .command('simulate')
    .description('compare autoscaling policies (ours, KEDA, AWS target tracking, SageMaker async, greedy hindsight, a lower bound) in simulated time')
    .option('--json <file>', 'write the table as JSON rows')
    .option('--svg-dir <dir>', 'draw one SVG per trace there')
    .option('--trace <name...>', `traces to run (default all: ${TRACE_NAMES.join(', ')})`)
    .option('--seed <n>', 'seed of the traces, service and boot times', seedOf, 1)
    .option('--replay <file>', 'a recorded run instead of the set: arrival times (JSON array, {"arrivals_s": []} or one per line) or decision records (/v1/status JSON)')
    .option('--bench-result <file>', 'rebuild the bench trace from this bench result (JSON of npm run bench) instead of the recorded run')
    .option('--boot <profile>', 'local | stopped-fleet | fresh-boot', bootOf, 'stopped-fleet' as BootProfileName)
    .option('--slo <seconds>', 'the latency target (p95) instead of the profile default', sloOf)
    .action(async (opts: SimulateOptions) => {
      const { runSimulation } = await import('./run.js');
      await runSimulation(opts).catch(fail);
    });
}
