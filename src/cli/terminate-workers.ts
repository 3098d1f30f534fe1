/**
 * `scaleface aws terminate-workers`: what an operator runs at tear-down. Lists the app-tier EC2 instances of this
 * prefix, terminates those pending, running, stopping or stopped (never only stops them, in a stopped fleet too),
 * then polls, with backoff and within a bound, until none is left pending, running or on its way down; prints each
 * instance and the final count. Exit 0 when none is left, 1 otherwise. `--dry-run` only lists.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { OwnInstance } from '../adapters/compute/ec2-instances.js';
import type { Ec2InstancePool } from '../adapters/compute/ec2-pool.js';
import { awsErrorCode } from '../adapters/aws/aws-errors.js';
import type { Config } from '../config/index.js';
import { backoffCapMs } from '../domain/backoff.js';
import { ConfigInvalidError } from '../domain/errors.js';

export interface TerminateWorkersOptions {
  readonly dryRun: boolean;
  /** Default: a client for compute.ec2.region. */
  readonly client?: EC2Client;
  /** How long to wait for the instances to be gone (default 5 min). */
  readonly waitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export const DEFAULT_TERMINATE_WAIT_MS = 5 * 60_000;
/** Polls 1 s apart at first, doubling to 15 s. */
const POLL = { baseMs: 1000, maxMs: 15_000 };
/** States in which an instance is still on its way (EC2's names); a stopped one stays as it is. */
const GOING_STATES = new Set(['pending', 'running', 'stopping', 'shutting-down']);

const line = (i: OwnInstance) => `${i.id}  ${i.name}  (${i.state})`;

/** What to do about a TerminateInstances that failed, in words. */
function refusalInWords(error: unknown, prefix: string, tags: string): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = awsErrorCode(cause);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied') {
    return `TerminateInstances refused (${code}): these credentials may not terminate the app tier of prefix ${prefix}: grant ec2:TerminateInstances on instances tagged ${tags} (condition ec2:ResourceTag)`;
  }
  if (code === 'OperationNotPermitted') {
    return `TerminateInstances refused (${code}): ${message} (termination protection: aws ec2 modify-instance-attribute --no-disable-api-termination --instance-id <id>)`;
  }
  return `TerminateInstances failed: ${message}`;
}

/** Lists until nothing is on its way any more or the bound passes; returns what is left. */
async function waitUntilGone(pool: Ec2InstancePool, waitMs: number, sleep: (ms: number) => Promise<void>, now: () => number, print: (line: string) => void): Promise<OwnInstance[]> {
  const until = now() + waitMs;
  print(`waiting up to ${Math.round(waitMs / 1000)} s until none is left`);
  for (let poll = 0; ; poll++) {
    const left = await pool.listOurs();
    const going = left.filter((i) => GOING_STATES.has(i.state));
    if (going.length === 0 || now() >= until) return left;
    print(`  ${going.length} still going after ${Math.round((waitMs - (until - now())) / 1000)} s`);
    await sleep(Math.min(backoffCapMs(poll, POLL), until - now()));
  }
}

/** Runs the tear-down; resolves with the exit code (0: none left). */
export async function runTerminateWorkers(config: Config, print: (line: string) => void, options: TerminateWorkersOptions): Promise<number> {
  if (config.compute.backend !== 'ec2') {
    throw new ConfigInvalidError(
      `terminate-workers needs compute.backend = ec2 (SCALEFACE_COMPUTE=ec2), not ${config.compute.backend}: local workers are child processes of scaleface up and stop with it`,
    );
  }
  const [{ ec2PoolFromConfig }, { tagsInWords }] = await Promise.all([import('../adapters/compute/ec2-pool.js'), import('../adapters/compute/ec2-permissions.js')]);
  const pool = ec2PoolFromConfig(config, undefined, options.client);
  const where = `prefix ${config.prefix} in ${config.compute.ec2.region}`;
  const found = await pool.listOurs();
  const targets = found.filter((i) => i.state !== 'shutting-down');
  print(`${options.dryRun ? 'dry run: would terminate' : 'terminating'} ${targets.length} app-tier instance(s) of ${where}`);
  for (const target of targets) print(`  ${line(target)}`);
  let left = found;
  if (options.dryRun) print('dry run: nothing was terminated');
  else if (found.length > 0) {
    try {
      await pool.terminateAll();
      left = await waitUntilGone(pool, options.waitMs ?? DEFAULT_TERMINATE_WAIT_MS, options.sleep ?? sleep, options.now ?? Date.now, print);
    } catch (error) {
      print(refusalInWords(error, config.prefix, tagsInWords(config.prefix)));
      left = await pool.listOurs();
    }
  }
  for (const instance of left) print(`left: ${line(instance)}`);
  print(`${left.length} app-tier instance(s) of ${where} left`);
  return left.length === 0 ? 0 : 1;
}
