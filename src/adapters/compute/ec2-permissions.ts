/**
 * Whether this machine's credentials may do what the EC2 autoscaler does, asked of EC2 itself with DryRun calls
 * (nothing is launched, started, stopped or terminated): DryRunOperation means allowed, UnauthorizedOperation means
 * missing, and then what to grant, in words an operator can act on. Behind `scaleface aws check`. A stopped fleet
 * (compute.ec2.stoppedFleet) starts and stops its instances instead of running and terminating new ones. With the
 * autoscaler off (a web instance) only DescribeInstances is needed, for the status.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Instance, InstanceState } from '../../ports/instance-pool.js';
import type { Config } from '../../config/index.js';
import { awsErrorCode, awsErrorMessage } from '../aws/aws-errors.js';
import { APP_TIER_ROLE, ec2PoolFromConfig, PREFIX_TAG_KEY, ROLE_TAG_KEY, type Ec2InstancePool } from './ec2-pool.js';

export interface PermissionCheck {
  /** The EC2 API call, e.g. `RunInstances`. */
  readonly call: string;
  /** undefined when the call could not be tried (see detail). */
  readonly allowed: boolean | undefined;
  /** `allowed`, `missing: <what to grant>`, `not checked: <why>` or the error EC2 gave. */
  readonly detail: string;
}

const DECODE_HINT = 'EC2 encodes the denied details in the error: aws sts decode-authorization-message --encoded-message <message>';

/** Sends `command` as a dry run and classifies EC2's answer. */
async function dryRun(call: string, send: () => Promise<unknown>, missing: string): Promise<PermissionCheck> {
  try {
    await send();
    return { call, allowed: true, detail: 'allowed (EC2 answered without the DryRun error; the call may have run)' };
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'DryRunOperation') return { call, allowed: true, detail: 'allowed' };
    if (code === 'UnauthorizedOperation' || code === 'AccessDenied') return { call, allowed: false, detail: `missing: ${missing}` };
    return { call, allowed: false, detail: `error: ${code}: ${awsErrorMessage(error)}` };
  }
}

/** Our tags as an IAM condition names them. */
export function tagsInWords(prefix: string): string {
  return `${ROLE_TAG_KEY}=${APP_TIER_ROLE}, ${PREFIX_TAG_KEY}=${prefix}`;
}

function launchSource(config: Config): string {
  const ec2 = config.compute.ec2;
  return ec2.launchTemplateId ? `the launch template ${ec2.launchTemplateId}` : `the image ${ec2.imageId ?? '(none configured)'}`;
}

type InstanceCall = 'TerminateInstances' | 'StartInstances' | 'StopInstances';

const COMMANDS = {
  TerminateInstances: (ids: string[]) => new TerminateInstancesCommand({ InstanceIds: ids, DryRun: true }),
  StartInstances: (ids: string[]) => new StartInstancesCommand({ InstanceIds: ids, DryRun: true }),
  StopInstances: (ids: string[]) => new StopInstancesCommand({ InstanceIds: ids, DryRun: true }),
} as const;

/** `call` as a dry run on one of our instances in one of `states` (EC2 needs an instance to judge the tag condition). */
async function checkOnInstance(client: EC2Client, call: InstanceCall, ours: Instance[], states: InstanceState[], prefix: string): Promise<PermissionCheck> {
  const target = ours.find((i) => states.includes(i.state));
  if (target === undefined) {
    const when = states.includes('stopped') ? 'is stopped to try it on (rerun while one is)' : 'runs to try it on (rerun while one does)';
    return { call, allowed: undefined, detail: `not checked: no app-tier instance of prefix ${prefix} ${when}` };
  }
  const missing = `ec2:${call} on instances tagged ${tagsInWords(prefix)} (condition ec2:ResourceTag); ${DECODE_HINT}`;
  return dryRun(call, () => client.send(COMMANDS[call]([target.id])), missing);
}

async function checkRun(client: EC2Client, config: Config, pool: Ec2InstancePool): Promise<PermissionCheck> {
  const runMissing =
    `ec2:RunInstances from ${launchSource(config)} with the request tags ${tagsInWords(config.prefix)} (condition aws:RequestTag), ` +
    `ec2:CreateTags on instances at launch, and iam:PassRole for the app-tier instance profile's role; ${DECODE_HINT}`;
  return dryRun('RunInstances', () => client.send(new RunInstancesCommand({ ...pool.launchRequest('app-tier-instance-dry-run'), DryRun: true })), runMissing);
}

/**
 * DescribeInstances, then what the pool changes instances with, as dry runs: RunInstances (as the pool would launch)
 * and TerminateInstances (on one of ours); on a stopped fleet StartInstances (on a stopped one) and StopInstances (on a
 * running one) instead, and RunInstances besides when a template or image tops the fleet up.
 */
export async function checkEc2Permissions(config: Config, client = new EC2Client({ region: config.compute.ec2.region, maxAttempts: 1 })): Promise<PermissionCheck[]> {
  const pool = ec2PoolFromConfig(config, undefined, client);
  const { prefix } = config;
  const ec2 = config.compute.ec2;
  const describe = await dryRun(
    'DescribeInstances',
    () => client.send(new DescribeInstancesCommand({ Filters: pool.ownFilters(), DryRun: true })),
    'ec2:DescribeInstances on * (EC2 does not scope it to resources)',
  );
  if (!config.autoscaler.enabled) {
    const detail = 'not needed: the autoscaler is off here (SCALEFACE_AUTOSCALER=off), so this process never launches, starts, stops or ends an instance';
    return [describe, { call: 'RunInstances, TerminateInstances', allowed: undefined, detail }];
  }
  const ours = await pool.list().catch(() => []);
  if (!ec2.stoppedFleet) {
    return [describe, await checkRun(client, config, pool), await checkOnInstance(client, 'TerminateInstances', ours, ['pending', 'running'], prefix)];
  }
  const start = await checkOnInstance(client, 'StartInstances', ours, ['stopped'], prefix);
  const stop = await checkOnInstance(client, 'StopInstances', ours, ['pending', 'running'], prefix);
  const toppedUp = ec2.launchTemplateId !== undefined || ec2.imageId !== undefined;
  return toppedUp ? [describe, start, stop, await checkRun(client, config, pool)] : [describe, start, stop];
}
