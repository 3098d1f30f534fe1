/**
 * Whether this machine's credentials may do what the EC2 autoscaler does, asked of EC2 itself with DryRun calls
 * (nothing is launched or terminated): DryRunOperation means allowed, UnauthorizedOperation means missing, and
 * then what to grant, in words an operator can act on. Behind `scaleface aws check`.
 */
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
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

function tagsInWords(prefix: string): string {
  return `${ROLE_TAG_KEY}=${APP_TIER_ROLE}, ${PREFIX_TAG_KEY}=${prefix}`;
}

function launchSource(config: Config): string {
  const ec2 = config.compute.ec2;
  return ec2.launchTemplateId ? `the launch template ${ec2.launchTemplateId}` : `the image ${ec2.imageId ?? '(none configured)'}`;
}

async function checkTerminate(client: EC2Client, pool: Ec2InstancePool, prefix: string): Promise<PermissionCheck> {
  const call = 'TerminateInstances';
  const instances = await pool.list().catch(() => []);
  const target = instances.find((i) => i.state === 'pending' || i.state === 'running');
  if (target === undefined) {
    return { call, allowed: undefined, detail: `not checked: no app-tier instance of prefix ${prefix} runs to try it on (rerun while one does)` };
  }
  const missing = `ec2:TerminateInstances on instances tagged ${tagsInWords(prefix)} (condition ec2:ResourceTag); ${DECODE_HINT}`;
  return dryRun(call, () => client.send(new TerminateInstancesCommand({ InstanceIds: [target.id], DryRun: true })), missing);
}

/** DescribeInstances, RunInstances (as the pool would launch) and TerminateInstances (on one of ours), as dry runs. */
export async function checkEc2Permissions(config: Config, client = new EC2Client({ region: config.compute.ec2.region, maxAttempts: 1 })): Promise<PermissionCheck[]> {
  const pool = ec2PoolFromConfig(config, undefined, client);
  const prefix = config.prefix;
  const describe = await dryRun(
    'DescribeInstances',
    () => client.send(new DescribeInstancesCommand({ Filters: pool.ownFilters(), DryRun: true })),
    'ec2:DescribeInstances on * (EC2 does not scope it to resources)',
  );
  const runMissing =
    `ec2:RunInstances from ${launchSource(config)} with the request tags ${tagsInWords(prefix)} (condition aws:RequestTag), ` +
    `ec2:CreateTags on instances at launch, and iam:PassRole for the app-tier instance profile's role; ${DECODE_HINT}`;
  const run = await dryRun('RunInstances', () => client.send(new RunInstancesCommand({ ...pool.launchRequest('app-tier-instance-dry-run'), DryRun: true })), runMissing);
  return [describe, run, await checkTerminate(client, pool, prefix)];
}
