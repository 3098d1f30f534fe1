/**
 * `scaleface aws check`: EC2 DryRun calls for what the autoscaler does (describe, run from the launch template
 * with our tags, terminate one of ours), each reported as allowed or as what to grant. EC2's API is mocked:
 * DryRunOperation means allowed, UnauthorizedOperation means missing.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { APP_TIER_ROLE, PREFIX_TAG_KEY, ROLE_TAG_KEY } from '../../../src/adapters/compute/ec2-pool.js';
import { checkEc2Permissions } from '../../../src/adapters/compute/ec2-permissions.js';
import { awsError } from '../../helpers/ec2-mock.js';
import { loadConfig } from '../../../src/config/index.js';

const ec2 = mockClient(EC2Client);
const config = loadConfig({ prefix: 'sf', compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-0123456789abcdef0' } } }, {});

const ours = {
  InstanceId: 'i-ours',
  State: { Name: 'running' as const },
  Tags: [
    { Key: 'Name', Value: 'app-tier-instance-1' },
    { Key: ROLE_TAG_KEY, Value: APP_TIER_ROLE },
    { Key: PREFIX_TAG_KEY, Value: 'sf' },
  ],
};

const stoppedOne = { ...ours, InstanceId: 'i-stopped', State: { Name: 'stopped' as const } };

let listed: (typeof ours | typeof stoppedOne)[] = [ours];

beforeEach(() => {
  ec2.reset();
  listed = [ours];
  ec2.on(DescribeInstancesCommand).callsFake((input: { DryRun?: boolean }) => {
    if (input.DryRun === true) throw awsError('DryRunOperation', 412);
    return { Reservations: [{ Instances: listed }] };
  });
});

describe('checkEc2Permissions', () => {
  test('DryRunOperation is allowed, UnauthorizedOperation names what to grant; every call is a dry run', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    ec2.on(TerminateInstancesCommand).rejects(awsError('DryRunOperation', 412));
    const checks = await checkEc2Permissions(config);
    assert.deepEqual(checks.map((c) => [c.call, c.allowed]), [['DescribeInstances', true], ['RunInstances', false], ['TerminateInstances', true]]);
    const run = checks[1]!;
    assert.match(run.detail, /^missing: ec2:RunInstances/);
    assert.match(run.detail, /lt-0123456789abcdef0/);
    assert.match(run.detail, /scaleface:role=app-tier/);
    assert.match(run.detail, /iam:PassRole/);
    assert.equal(checks[0]!.detail, 'allowed');
    assert.ok(ec2.commandCalls(RunInstancesCommand).every((c) => c.args[0].input.DryRun === true));
    assert.deepEqual(ec2.commandCalls(TerminateInstancesCommand).map((c) => [c.args[0].input.DryRun, c.args[0].input.InstanceIds]), [[true, ['i-ours']]]);
  });

  test('without an instance of ours TerminateInstances is not checked, and says so', async () => {
    listed = [];
    ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 412));
    const checks = await checkEc2Permissions(config);
    const terminate = checks.find((c) => c.call === 'TerminateInstances');
    assert.equal(terminate?.allowed, undefined);
    assert.match(terminate?.detail ?? '', /not checked: no app-tier instance/);
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0);
  });

  test('another error is reported as it is', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InvalidLaunchTemplateId.NotFound', 400));
    ec2.on(TerminateInstancesCommand).rejects(awsError('DryRunOperation', 412));
    const run = (await checkEc2Permissions(config)).find((c) => c.call === 'RunInstances');
    assert.equal(run?.allowed, false);
    assert.match(run?.detail ?? '', /InvalidLaunchTemplateId.NotFound/);
  });
});

describe('checkEc2Permissions on a stopped fleet', () => {
  const fleet = loadConfig({ prefix: 'sf', compute: { backend: 'ec2', ec2: { stoppedFleet: true } } }, {});

  test('StartInstances on a stopped instance of ours and StopInstances on a running one, as dry runs, instead of run and terminate', async () => {
    listed = [ours, stoppedOne];
    ec2.on(StartInstancesCommand).rejects(awsError('DryRunOperation', 412));
    ec2.on(StopInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const checks = await checkEc2Permissions(fleet);
    assert.deepEqual(checks.map((c) => [c.call, c.allowed]), [['DescribeInstances', true], ['StartInstances', true], ['StopInstances', false]]);
    assert.equal(checks[1]!.detail, 'allowed');
    assert.match(checks[2]!.detail, /^missing: ec2:StopInstances on instances tagged scaleface:role=app-tier, scaleface:prefix=sf \(condition ec2:ResourceTag\)/);
    assert.match(checks[2]!.detail, /decode-authorization-message/);
    assert.deepEqual(ec2.commandCalls(StartInstancesCommand).map((c) => [c.args[0].input.DryRun, c.args[0].input.InstanceIds]), [[true, ['i-stopped']]]);
    assert.deepEqual(ec2.commandCalls(StopInstancesCommand).map((c) => [c.args[0].input.DryRun, c.args[0].input.InstanceIds]), [[true, ['i-ours']]]);
    assert.equal(ec2.commandCalls(RunInstancesCommand).length, 0, 'a fleet without a template never runs instances');
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0, 'the autoscaler stops a fleet\'s instances, never terminates them');
  });

  test('a denied StartInstances names the IAM action to grant', async () => {
    listed = [stoppedOne];
    ec2.on(StartInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const start = (await checkEc2Permissions(fleet)).find((c) => c.call === 'StartInstances');
    assert.equal(start?.allowed, false);
    assert.match(start?.detail ?? '', /^missing: ec2:StartInstances on instances tagged scaleface:role=app-tier, scaleface:prefix=sf/);
  });

  test('with a template too, RunInstances is checked besides (the fleet is topped up from it); without the right state, not checked', async () => {
    listed = [];
    ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 412));
    const withTemplate = loadConfig({ prefix: 'sf', compute: { backend: 'ec2', ec2: { stoppedFleet: true, launchTemplateId: 'lt-1' } } }, {});
    const checks = await checkEc2Permissions(withTemplate);
    assert.deepEqual(checks.map((c) => [c.call, c.allowed]), [['DescribeInstances', true], ['StartInstances', undefined], ['StopInstances', undefined], ['RunInstances', true]]);
    assert.match(checks[1]!.detail, /^not checked: no app-tier instance of prefix sf is stopped/);
    assert.match(checks[2]!.detail, /^not checked: no app-tier instance of prefix sf runs/);
    assert.equal(ec2.commandCalls(StartInstancesCommand).length + ec2.commandCalls(StopInstancesCommand).length, 0);
  });
});
