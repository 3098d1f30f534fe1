/**
 * A mocked EC2 API (aws-sdk-client-mock) for the EC2 pool's tests: one client, our instances as EC2 lists them,
 * a pool on that client whose retries record their delays instead of waiting, and RunInstances answering
 * `i-new<n>` for its n-th call.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  type Instance as Ec2Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { APP_TIER_ROLE, Ec2InstancePool, PREFIX_TAG_KEY, ROLE_TAG_KEY, type Ec2InstancePoolOptions } from '../../src/adapters/compute/ec2-pool.js';

export const client = new EC2Client({ region: 'us-east-1' });
export const ec2 = mockClient(client);
export const LAUNCHED_AT = new Date('2030-01-01T00:00:00Z');
export const NOW = LAUNCHED_AT.getTime() + 120_000;

export function awsError(code: string, status: number): EC2ServiceException {
  return new EC2ServiceException({ name: code, message: `simulated ${code}`, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

export function ours(id: string, n: number, state: string, launchTime = LAUNCHED_AT): Ec2Instance {
  return {
    InstanceId: id,
    State: { Name: state as 'running' },
    LaunchTime: launchTime,
    Tags: [
      { Key: 'Name', Value: `app-tier-instance-${n}` },
      { Key: ROLE_TAG_KEY, Value: APP_TIER_ROLE },
      { Key: PREFIX_TAG_KEY, Value: 'sf' },
    ],
  };
}

export function describes(...instances: Ec2Instance[]): void {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
}

/** Records the backoff delays instead of waiting them. */
export const slept: number[] = [];

export function pool(options: Partial<Ec2InstancePoolOptions> = {}): Ec2InstancePool {
  return new Ec2InstancePool({
    client,
    region: 'us-east-1',
    prefix: 'sf',
    launchTemplateId: 'lt-0123456789abcdef0',
    stoppedFleet: false,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms) => void slept.push(ms) },
    now: () => NOW,
    ...options,
  });
}

export function runInputs(): RunInstancesCommandInput[] {
  return ec2.commandCalls(RunInstancesCommand).map((call) => call.args[0].input);
}

/** Forgets every call and behaviour; RunInstances answers `i-new<n>`. */
export function resetEc2Mock(): void {
  ec2.reset();
  slept.length = 0;
  ec2.on(RunInstancesCommand).callsFake(() => ({
    Instances: [{ InstanceId: `i-new${ec2.commandCalls(RunInstancesCommand).length}`, State: { Name: 'pending' }, LaunchTime: new Date(NOW) }],
  }));
}
