/**
 * `scaleface aws check`: whether this machine's credentials may drive the EC2 app tier, per call, in words (a stopped
 * fleet: start and stop). `scaleface aws terminate-workers`: the tear-down of the app tier (see terminate-workers.ts). `scaleface aws bake`: an image that boots without installing (aws-bake.ts).
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { checkQueuesAndBuckets, type AccessCheck } from '../system/access-check.js';
import { createBackends } from '../system/backends.js';
import { registerBakeCommand } from './aws-bake.js';

/**
 * Prints one line per EC2 call (`RunInstances: allowed` or `RunInstances: missing: ...`), then one per queue and
 * bucket right `up` uses (`queue <name>: reachable` or what is wrong and the rights it needs); 0 when nothing is missing.
 */
export async function runAwsCheck(config: Config, print: (line: string) => void): Promise<number> {
  const { checkEc2Permissions } = await import('../adapters/compute/ec2-permissions.js');
  const checks = await checkEc2Permissions(config);
  print(`EC2 in ${config.compute.ec2.region}, prefix ${config.prefix} (dry runs: nothing is launched, started, stopped or terminated)`);
  for (const check of checks) print(`${check.call}: ${check.detail}`);
  const backends = await createBackends(config);
  let access: AccessCheck[];
  try {
    access = await checkQueuesAndBuckets(backends);
  } finally {
    await backends.queues.close();
  }
  print(`Queues (${config.queue.backend}) and buckets (${config.storage.backend}): what up does, done on probes that are removed again`);
  for (const check of access) print(`${check.resource}: ${check.detail}`);
  return checks.some((c) => c.allowed === false) || access.some((c) => !c.reachable) ? 1 : 0;
}

export function registerAwsCommand(program: Command, fail: (error: unknown) => never): void {
  const aws = program.command('aws').description('checks and tear-down of the AWS deployment');
  aws
    .command('check')
    .description('ask EC2 (DryRun calls) whether these credentials may describe, launch from the configured template and terminate app-tier instances (a stopped fleet: start and stop them), and whether they reach the queues and buckets')
    .action(async () => {
      const code = await runAwsCheck(loadConfig(), (line) => console.log(line)).catch(fail);
      process.exit(code);
    });
  aws
    .command('terminate-workers')
    .description(
      'tear-down: terminate every app-tier EC2 instance of this prefix (pending, running, stopping, stopped; a stopped fleet too), ' +
        'wait up to 5 min until none is left, print each instance and the count left; exit 0 when none is left, 1 otherwise',
    )
    .option('--dry-run', 'print what would be terminated and terminate nothing')
    .action(async (opts: { dryRun?: boolean }) => {
      const { runTerminateWorkers } = await import('./terminate-workers.js');
      const code = await runTerminateWorkers(loadConfig(), (line) => console.log(line), { dryRun: opts.dryRun === true }).catch(fail);
      process.exit(code);
    });
  registerBakeCommand(aws, fail);
}
