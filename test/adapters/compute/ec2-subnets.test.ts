/**
 * The EC2 pool across the subnets of several zones (mocked EC2 API): each launch goes to the subnet with the
 * fewest pending or running instances of ours (ties in turn), a subnet without capacity hands the launch to the
 * next one, and only when every subnet refuses is the launch a CapacityExceededError naming them all.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CapacityExceededError } from '../../../src/domain/errors.js';
import { awsError, describes, ec2, NOW, ours, pool, resetEc2Mock, runInputs } from '../../helpers/ec2-mock.js';

const SUBNETS = ['subnet-a', 'subnet-b'];

function inSubnet(id: string, n: number, state: string, subnet: string) {
  return { ...ours(id, n, state), SubnetId: subnet };
}

/** RunInstances answers `i-new<n>` in the subnets that have capacity and refuses with `code` in the others. */
function refusingIn(refusing: ReadonlySet<string>, code = 'InsufficientInstanceCapacity', status = 500): void {
  ec2.on(RunInstancesCommand).callsFake((input: { SubnetId?: string }) => {
    if (refusing.has(input.SubnetId ?? '')) throw awsError(code, status);
    const n = ec2.commandCalls(RunInstancesCommand).length;
    return { Instances: [{ InstanceId: `i-new${n}`, State: { Name: 'pending' }, LaunchTime: new Date(NOW), SubnetId: input.SubnetId }] };
  });
}

function subnetsOfRuns(): (string | undefined)[] {
  return runInputs().map((input) => input.SubnetId);
}

beforeEach(resetEc2Mock);

describe('spreading launches over subnets', () => {
  test('4 launches over 2 empty subnets land 2 + 2, alternating', async () => {
    describes();
    await pool({ subnetIds: SUBNETS }).launch(4);
    assert.deepEqual(subnetsOfRuns(), ['subnet-a', 'subnet-b', 'subnet-a', 'subnet-b']);
  });

  test('launches one at a time spread too: a launch EC2 does not list yet still counts in its subnet', async () => {
    describes();
    const spread = pool({ subnetIds: SUBNETS });
    for (let i = 0; i < 4; i++) await spread.launch(1);
    const runs = subnetsOfRuns();
    assert.equal(runs.filter((s) => s === 'subnet-a').length, 2, runs.join());
    assert.equal(runs.filter((s) => s === 'subnet-b').length, 2, runs.join());
  });

  test('each launch goes to the subnet with the fewest active instances of ours (stopped and foreign ones do not count)', async () => {
    describes(
      inSubnet('i-1', 1, 'running', 'subnet-a'),
      inSubnet('i-2', 2, 'pending', 'subnet-a'),
      inSubnet('i-3', 3, 'stopped', 'subnet-b'),
      inSubnet('i-4', 4, 'shutting-down', 'subnet-b'),
    );
    await pool({ subnetIds: SUBNETS }).launch(3);
    assert.deepEqual(subnetsOfRuns(), ['subnet-b', 'subnet-b', 'subnet-a']);
  });
});

describe('a subnet without capacity', () => {
  for (const [code, status] of [
    ['InsufficientInstanceCapacity', 500],
    ['Unsupported', 400],
    ['InsufficientFreeAddressesInSubnet', 400],
  ] as const) {
    test(`${code} in subnet A lands the launch in subnet B`, async () => {
      describes();
      refusingIn(new Set(['subnet-a']), code, status);
      const launched = await pool({ subnetIds: SUBNETS }).launch(1);
      assert.deepEqual(launched.map((i) => i.name), ['app-tier-instance-1']);
      assert.ok(launched[0]?.id.startsWith('i-new'));
      assert.deepEqual(subnetsOfRuns(), ['subnet-a', 'subnet-b']);
      const [first, second] = runInputs();
      assert.notEqual(first?.ClientToken, second?.ClientToken, 'another subnet is another request: a new client token');
    });
  }

  test('every subnet refusing is a CapacityExceededError naming each subnet and its refusal', async () => {
    describes();
    refusingIn(new Set(SUBNETS));
    await assert.rejects(pool({ subnetIds: SUBNETS }).launch(1), (error: unknown) => {
      assert.ok(error instanceof CapacityExceededError, `got ${String(error)}`);
      assert.match(error.message, /subnet-a: InsufficientInstanceCapacity/);
      assert.match(error.message, /subnet-b: InsufficientInstanceCapacity/);
      return true;
    });
    assert.deepEqual(subnetsOfRuns(), ['subnet-a', 'subnet-b'], 'each subnet tried once');
  });

  test('an account quota is not a subnet’s: it is not tried in the other subnets', async () => {
    describes();
    refusingIn(new Set(SUBNETS), 'VcpuLimitExceeded', 400);
    await assert.rejects(pool({ subnetIds: SUBNETS }).launch(1), /VcpuLimitExceeded.*quota/);
    assert.equal(runInputs().length, 1);
  });
});
