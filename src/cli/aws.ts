/** `scaleface aws check`: whether this machine's credentials may drive the EC2 app tier, per call, in words. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';

/** Prints one line per EC2 call (`RunInstances: allowed` or `RunInstances: missing: ...`); 0 when nothing is missing. */
export async function runAwsCheck(config: Config, print: (line: string) => void): Promise<number> {
  const { checkEc2Permissions } = await import('../adapters/compute/ec2-permissions.js');
  const checks = await checkEc2Permissions(config);
  print(`EC2 in ${config.compute.ec2.region}, prefix ${config.prefix} (dry runs: nothing is launched or terminated)`);
  for (const check of checks) print(`${check.call}: ${check.detail}`);
  return checks.some((c) => c.allowed === false) ? 1 : 0;
}

export function registerAwsCommand(program: Command, fail: (error: unknown) => never): void {
  const aws = program.command('aws').description('checks of the AWS deployment');
  aws
    .command('check')
    .description('ask EC2 (DryRun calls) whether these credentials may describe, launch from the configured template and terminate app-tier instances')
    .action(async () => {
      const code = await runAwsCheck(loadConfig(), (line) => console.log(line)).catch(fail);
      process.exit(code);
    });
}
