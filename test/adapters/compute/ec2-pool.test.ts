/**
 * Ec2InstancePool against a mocked EC2 API (aws-sdk-client-mock): the requests it sends (template, tags,
 * filters, names), the retries of throttling, capacity and limit errors, and how list() maps EC2 states
 * and worker heartbeats onto instances.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { APP_TIER_ROLE, Ec2InstancePool, ec2PoolFromConfig, PREFIX_TAG_KEY, ROLE_TAG_KEY, type HeartbeatReader } from '../../../src/adapters/compute/ec2-pool.js';
import { loadConfig } from '../../../src/config/index.js';
import { BackendUnavailableError, CapacityExceededError, ConfigInvalidError, ScalefaceError } from '../../../src/domain/errors.js';
import { awsError, describes, ec2, LAUNCHED_AT, NOW, ours, pool, runInputs, slept, resetEc2Mock } from '../../helpers/ec2-mock.js';

function tagsOf(input: RunInstancesCommandInput): Record<string, string | undefined> {
  const spec = input.TagSpecifications?.find((s) => s.ResourceType === 'instance');
  return Object.fromEntries((spec?.Tags ?? []).map((t) => [t.Key, t.Value]));
}

beforeEach(resetEc2Mock);

describe('launch and terminate requests', () => {
  test('launch runs one instance per name from the launch template, tagged as ours', async () => {
    describes();
    const launched = await pool().launch(2);
    assert.deepEqual(launched.map((i) => [i.id, i.name, i.state, i.ready]), [
      ['i-new1', 'app-tier-instance-1', 'pending', false],
      ['i-new2', 'app-tier-instance-2', 'pending', false],
    ]);
    const inputs = runInputs();
    assert.equal(inputs.length, 2);
    for (const [index, input] of inputs.entries()) {
      assert.deepEqual(input.LaunchTemplate, { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Latest' });
      assert.equal(input.MinCount, 1);
      assert.equal(input.MaxCount, 1);
      assert.equal(input.ImageId, undefined);
      assert.equal(input.SubnetId, undefined);
      assert.deepEqual(tagsOf(input), { Name: `app-tier-instance-${index + 1}`, [ROLE_TAG_KEY]: APP_TIER_ROLE, [PREFIX_TAG_KEY]: 'sf' });
    }
    assert.notEqual(inputs[0]?.ClientToken, inputs[1]?.ClientToken);
  });

  test('a subnet given with a template is passed along (a CDK launch template has none)', async () => {
    describes();
    await pool({ subnetIds: ['subnet-public-1'] }).launch(1);
    const [input] = runInputs();
    assert.equal(input?.SubnetId, 'subnet-public-1');
    assert.equal(input?.SecurityGroupIds, undefined);
    assert.equal(input?.LaunchTemplate?.LaunchTemplateId, 'lt-0123456789abcdef0');
  });

  test('names take the lowest free numbers, counting every listed instance', async () => {
    describes(ours('i-1', 1, 'running'), ours('i-3', 3, 'stopped'), ours('i-5', 5, 'shutting-down'));
    const launched = await pool().launch(3);
    assert.deepEqual(launched.map((i) => i.name), ['app-tier-instance-2', 'app-tier-instance-4', 'app-tier-instance-6']);
  });

  test('DescribeInstances filters on our role and prefix tags and on live states', async () => {
    describes();
    await pool({ prefix: 'sf' }).list();
    const filters = ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters;
    assert.deepEqual(filters, [
      { Name: `tag:${ROLE_TAG_KEY}`, Values: [APP_TIER_ROLE] },
      { Name: `tag:${PREFIX_TAG_KEY}`, Values: ['sf'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
    ]);
  });

  test('without a template the AMI, type, network and instance profile are passed', async () => {
    describes();
    const amiPool = pool({
      launchTemplateId: undefined,
      imageId: 'ami-1',
      instanceType: 't3.medium',
      subnetIds: ['subnet-1'],
      securityGroupIds: ['sg-1', 'sg-2'],
      instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/app',
    });
    await amiPool.launch(1);
    const [input] = runInputs();
    assert.ok(input);
    assert.equal(input.LaunchTemplate, undefined);
    assert.equal(input.ImageId, 'ami-1');
    assert.equal(input.InstanceType, 't3.medium');
    assert.equal(input.SubnetId, 'subnet-1');
    assert.deepEqual(input.SecurityGroupIds, ['sg-1', 'sg-2']);
    assert.deepEqual(input.IamInstanceProfile, { Arn: 'arn:aws:iam::123456789012:instance-profile/app' });
  });

  test('terminate checks the instance is ours, then terminates it; unknown ids are a no-op', async () => {
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves({ Reservations: [{ Instances: [ours('i-1', 1, 'running')] }] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-foreign'] }).resolves({ Reservations: [] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-gone'] }).rejects(awsError('InvalidInstanceID.NotFound', 400));
    ec2.on(TerminateInstancesCommand).resolves({});
    await pool().terminate('i-1');
    await pool().terminate('i-foreign');
    await pool().terminate('i-gone');
    const terminated = ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds);
    assert.deepEqual(terminated, [['i-1']]);
    const describeFilters = ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters ?? [];
    assert.ok(describeFilters.some((f) => f.Name === `tag:${ROLE_TAG_KEY}`), 'terminate did not filter on our tag');
    assert.equal(ec2.commandCalls(StopInstancesCommand).length, 0);
  });

  test('close leaves every instance running, for the next autoscaler to adopt', async () => {
    describes(ours('i-1', 1, 'running'), ours('i-2', 2, 'pending'));
    ec2.on(TerminateInstancesCommand).resolves({});
    await pool().close();
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0);
    assert.equal(ec2.commandCalls(StopInstancesCommand).length, 0);
  });

  test('terminateAll terminates every pending, running, stopping and stopped instance in one call, in a stopped fleet too', async () => {
    describes(ours('i-1', 1, 'running'), ours('i-2', 2, 'pending'), ours('i-3', 3, 'stopping'), ours('i-4', 4, 'stopped'), ours('i-5', 5, 'shutting-down'));
    ec2.on(TerminateInstancesCommand).resolves({});
    const terminated = await pool({ stoppedFleet: true }).terminateAll();
    assert.deepEqual(terminated.map((i) => [i.id, i.name, i.state]), [
      ['i-1', 'app-tier-instance-1', 'running'],
      ['i-2', 'app-tier-instance-2', 'pending'],
      ['i-3', 'app-tier-instance-3', 'stopping'],
      ['i-4', 'app-tier-instance-4', 'stopped'],
    ]);
    assert.deepEqual(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-1', 'i-2', 'i-3', 'i-4']]);
    assert.equal(ec2.commandCalls(StopInstancesCommand).length, 0, 'a tear-down terminates, it does not stop');
  });
});

describe('stopped fleet', () => {
  test('launch starts the lowest-numbered stopped instances; terminate stops', async () => {
    describes(ours('i-3', 3, 'stopped'), ours('i-1', 1, 'stopped'), ours('i-2', 2, 'stopped'), ours('i-4', 4, 'running'));
    ec2.on(StartInstancesCommand).resolves({});
    ec2.on(StopInstancesCommand).resolves({});
    const fleet = pool({ stoppedFleet: true });
    const started = await fleet.launch(2);
    assert.deepEqual(started.map((i) => [i.id, i.name, i.state]), [
      ['i-1', 'app-tier-instance-1', 'pending'],
      ['i-2', 'app-tier-instance-2', 'pending'],
    ]);
    assert.deepEqual(ec2.commandCalls(StartInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-1', 'i-2']]);
    assert.equal(runInputs().length, 0);
    await fleet.terminate('i-4');
    assert.deepEqual(ec2.commandCalls(StopInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-4']]);
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0);
  });

  test('when the fleet has too few stopped instances, the rest are run from the template', async () => {
    describes(ours('i-1', 1, 'stopped'), ours('i-2', 2, 'running'));
    ec2.on(StartInstancesCommand).resolves({});
    const launched = await pool({ stoppedFleet: true }).launch(2);
    assert.deepEqual(launched.map((i) => i.name), ['app-tier-instance-1', 'app-tier-instance-3']);
    assert.equal(runInputs().length, 1);
  });
});

describe('EC2 errors', () => {
  test('throttling is retried with backoff, with the same client token, until the launch succeeds', async () => {
    describes();
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 503))
      .rejectsOnce(awsError('RequestLimitExceeded', 503))
      .resolves({ Instances: [{ InstanceId: 'i-late', State: { Name: 'pending' } }] });
    const [launched] = await pool().launch(1);
    assert.equal(launched?.id, 'i-late');
    const tokens = runInputs().map((i) => i.ClientToken);
    assert.equal(tokens.length, 3);
    assert.equal(new Set(tokens).size, 1, 'a retry used another client token');
    // Full jitter with random() = 0.5: half of 100 * 2^retry.
    assert.deepEqual(slept, [50, 100]);
  });

  test('RequestLimitExceeded that persists is surfaced as BackendUnavailableError after the retries', async () => {
    describes();
    ec2.on(RunInstancesCommand).rejects(awsError('RequestLimitExceeded', 503));
    await assert.rejects(pool().launch(1), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError && !(error instanceof CapacityExceededError), `got ${String(error)}`);
      assert.equal(error.retryable, true);
      assert.match(error.message, /RequestLimitExceeded/);
      return true;
    });
    assert.equal(runInputs().length, 3);
    assert.equal(slept.length, 2);
  });

  for (const [code, status, advice] of [
    ['InstanceLimitExceeded', 400, /quota/],
    ['VcpuLimitExceeded', 400, /quota/],
    ['MaxSpotInstanceCountExceeded', 400, /quota/],
    ['InsufficientInstanceCapacity', 500, /no capacity/],
  ] as const) {
    test(`${code} is not retried at once: CapacityExceededError, saying what to do`, async () => {
      describes();
      ec2.on(RunInstancesCommand).rejects(awsError(code, status));
      await assert.rejects(pool().launch(1), (error: unknown) => {
        assert.ok(error instanceof CapacityExceededError, `got ${String(error)}`);
        assert.match(error.message, new RegExp(code));
        assert.match(error.message, advice);
        return true;
      });
      assert.equal(runInputs().length, 1, 'one call: the autoscaler backs off launching instead');
      assert.equal(slept.length, 0);
    });
  }

  test('a capacity error of StartInstances in a stopped fleet is a CapacityExceededError too', async () => {
    describes(ours('i-1', 1, 'stopped'));
    ec2.on(StartInstancesCommand).rejects(awsError('InsufficientInstanceCapacity', 500));
    await assert.rejects(pool({ stoppedFleet: true }).launch(1), CapacityExceededError);
    assert.equal(ec2.commandCalls(StartInstancesCommand).length, 1);
  });

  test('a throttled DescribeInstances in list() is retried', async () => {
    ec2.on(DescribeInstancesCommand).rejectsOnce(awsError('RequestLimitExceeded', 503)).resolves({ Reservations: [{ Instances: [ours('i-1', 1, 'pending')] }] });
    assert.deepEqual((await pool().list()).map((i) => i.id), ['i-1']);
    assert.equal(slept.length, 1);
  });

  test('a permission error is not retried and is still a ScalefaceError naming the code', async () => {
    describes();
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    await assert.rejects(pool().launch(1), (error: unknown) => {
      assert.ok(error instanceof ScalefaceError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /UnauthorizedOperation/);
      return true;
    });
    assert.equal(runInputs().length, 1);
    assert.equal(slept.length, 0);
  });
});

describe('list', () => {
  test('maps EC2 states, and readiness and busy from fresh heartbeats written since launch', async () => {
    describes(
      ours('i-6', 6, 'stopped'),
      ours('i-1', 1, 'pending'),
      ours('i-2', 2, 'running'),
      ours('i-3', 3, 'running'),
      ours('i-4', 4, 'running', new Date(NOW - 2000)),
      ours('i-5', 5, 'shutting-down'),
      ours('i-7', 7, 'running'),
    );
    const beats: Record<string, { at: number; busy: number }> = {
      'app-tier-instance-2': { at: NOW - 3000, busy: 2 },
      // Fresh once, now too old.
      'app-tier-instance-3': { at: NOW - 60_000, busy: 1 },
      // Fresh, but written by an earlier instance of the same name before this one launched 2 s ago.
      'app-tier-instance-4': { at: NOW - 5000, busy: 0 },
      'app-tier-instance-5': { at: NOW - 1000, busy: 1 },
    };
    const asked: string[] = [];
    const heartbeats: HeartbeatReader = async (name) => {
      asked.push(name);
      if (name === 'app-tier-instance-7') throw new Error('control bucket unreachable');
      return beats[name];
    };
    const listed = await pool({ heartbeats, heartbeatFreshMs: 20_000 }).list();
    assert.deepEqual(
      listed.map((i) => [i.id, i.name, i.state, i.ready, i.busy, i.launchedAt]),
      [
        ['i-1', 'app-tier-instance-1', 'pending', false, 0, LAUNCHED_AT.getTime()],
        ['i-2', 'app-tier-instance-2', 'running', true, 2, LAUNCHED_AT.getTime()],
        ['i-3', 'app-tier-instance-3', 'running', false, undefined, LAUNCHED_AT.getTime()],
        ['i-4', 'app-tier-instance-4', 'running', false, undefined, NOW - 2000],
        ['i-5', 'app-tier-instance-5', 'stopping', false, 1, LAUNCHED_AT.getTime()],
        ['i-6', 'app-tier-instance-6', 'stopped', false, 0, LAUNCHED_AT.getTime()],
        ['i-7', 'app-tier-instance-7', 'running', false, undefined, LAUNCHED_AT.getTime()],
      ],
    );
    assert.deepEqual(asked.sort(), ['app-tier-instance-2', 'app-tier-instance-3', 'app-tier-instance-4', 'app-tier-instance-5', 'app-tier-instance-7']);
    // The last heartbeat since launch, fresh or not, for the autoscaler's heartbeat deadline.
    assert.deepEqual(
      listed.map((i) => [i.id, i.lastHeartbeatAt]),
      [['i-1', undefined], ['i-2', NOW - 3000], ['i-3', NOW - 60_000], ['i-4', undefined], ['i-5', NOW - 1000], ['i-6', undefined], ['i-7', undefined]],
    );
  });

  test('follows NextToken through every page', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [ours('i-1', 1, 'running')] }], NextToken: 'page-2' })
      .resolvesOnce({ Reservations: [{ Instances: [ours('i-2', 2, 'running')] }] });
    assert.deepEqual((await pool().list()).map((i) => i.id), ['i-1', 'i-2']);
    assert.equal(ec2.commandCalls(DescribeInstancesCommand)[1]?.args[0].input.NextToken, 'page-2');
  });
});

describe('configuration', () => {
  test('ec2PoolFromConfig takes compute.ec2 and the prefix; a pool with nothing to launch from is refused', async () => {
    const config = loadConfig({ prefix: 'demo', compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-9' } } }, {});
    assert.ok(ec2PoolFromConfig(config) instanceof Ec2InstancePool);
    const bare = loadConfig({ compute: { backend: 'ec2' } }, {});
    assert.throws(() => ec2PoolFromConfig(bare), ConfigInvalidError);
    assert.ok(ec2PoolFromConfig(loadConfig({ compute: { backend: 'ec2', ec2: { stoppedFleet: true } } }, {})));
  });
});
