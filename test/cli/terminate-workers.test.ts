/**
 * `scaleface aws terminate-workers` in process, on a mocked EC2 API: it terminates exactly our app-tier instances
 * (pending, running, stopping, stopped), waits (bounded, polling with backoff) until none is left, and prints each
 * instance and the final count; a dry run terminates nothing; a refusal is printed in words.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand, type Instance as Ec2Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { runTerminateWorkers } from '../../src/cli/terminate-workers.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigInvalidError } from '../../src/domain/errors.js';
import { awsError, ours } from '../helpers/ec2-mock.js';

const ec2 = mockClient(EC2Client);
const config = loadConfig({ prefix: 'sf', compute: { backend: 'ec2', ec2: { launchTemplateId: 'lt-1', region: 'eu-west-1' } } }, {});

/** What DescribeInstances answers, one list per call; the last one repeats. */
let answers: Ec2Instance[][] = [];
let clock = 0;
const slept: number[] = [];
const lines: string[] = [];
const options = (dryRun: boolean) => ({
  dryRun,
  client: new EC2Client({ region: 'eu-west-1' }),
  waitMs: 300_000,
  now: () => clock,
  sleep: async (ms: number) => {
    slept.push(ms);
    clock += ms;
  },
});
const print = (line: string) => void lines.push(line);

beforeEach(() => {
  ec2.reset();
  clock = 1_000_000;
  slept.length = 0;
  lines.length = 0;
  ec2.on(DescribeInstancesCommand).callsFake(() => ({ Reservations: [{ Instances: answers.length > 1 ? answers.shift() : answers[0] }] }));
});

const FLEET = [ours('i-1', 1, 'running'), ours('i-2', 2, 'stopped'), ours('i-3', 3, 'stopping'), ours('i-4', 4, 'pending'), ours('i-5', 5, 'shutting-down')];
const going = (instances: Ec2Instance[]) => instances.map((i) => ({ ...i, State: { Name: 'shutting-down' as const } }));

describe('scaleface aws terminate-workers', () => {
  test('terminates exactly our instances that are not already going, waits until none is left, prints each and the count', async () => {
    // Listed for printing, listed again by the terminate call, then two polls while they shut down, then none.
    answers = [FLEET, FLEET, going(FLEET), going(FLEET.slice(0, 2)), []];
    ec2.on(TerminateInstancesCommand).resolves({});
    assert.equal(await runTerminateWorkers(config, print, options(false)), 0, lines.join('\n'));
    assert.deepEqual(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-1', 'i-2', 'i-3', 'i-4']]);
    for (const n of [1, 2, 3, 4]) assert.ok(lines.some((l) => l.includes(`i-${n}`) && l.includes(`app-tier-instance-${n}`)), lines.join('\n'));
    assert.equal(lines.at(-1), '0 app-tier instance(s) of prefix sf in eu-west-1 left');
    assert.deepEqual(slept, [1000, 2000], 'polls back off');
  });

  test('--dry-run prints what it would terminate and terminates nothing', async () => {
    answers = [FLEET];
    assert.equal(await runTerminateWorkers(config, print, options(true)), 1, 'instances are left');
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0);
    assert.match(lines[0]!, /^dry run: would terminate 4 app-tier instance\(s\) of prefix sf in eu-west-1/);
    assert.ok(lines.some((l) => /i-2\s+app-tier-instance-2\s+\(stopped\)/.test(l)), lines.join('\n'));
    const listed = lines.filter((l) => l.startsWith('  '));
    assert.deepEqual(listed.map((l) => l.trim().split(/\s+/)[0]), ['i-1', 'i-2', 'i-3', 'i-4'], 'one already shutting down is not one to terminate');
    assert.equal(lines.at(-1), '5 app-tier instance(s) of prefix sf in eu-west-1 left');
    assert.equal(slept.length, 0);
  });

  test('nothing to terminate: no call, exit 0', async () => {
    answers = [[]];
    assert.equal(await runTerminateWorkers(config, print, options(false)), 0);
    assert.equal(ec2.commandCalls(TerminateInstancesCommand).length, 0);
    assert.equal(lines.at(-1), '0 app-tier instance(s) of prefix sf in eu-west-1 left');
  });

  test('a refusal is printed in words (what to grant), nothing is waited for, exit 1', async () => {
    answers = [FLEET.slice(0, 1)];
    ec2.on(TerminateInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
    assert.equal(await runTerminateWorkers(config, print, options(false)), 1);
    const refusal = lines.find((l) => l.startsWith('TerminateInstances refused'));
    assert.ok(refusal, lines.join('\n'));
    assert.match(refusal, /UnauthorizedOperation/);
    assert.match(refusal, /grant ec2:TerminateInstances on instances tagged scaleface:role=app-tier, scaleface:prefix=sf/);
    assert.equal(slept.length, 0);
    assert.ok(lines.some((l) => /left: i-1\s+app-tier-instance-1\s+\(running\)/.test(l)), lines.join('\n'));
    assert.equal(lines.at(-1), '1 app-tier instance(s) of prefix sf in eu-west-1 left');
  });

  test('the wait is bounded: an instance that never goes is reported, exit 1', async () => {
    answers = [FLEET.slice(0, 1), FLEET.slice(0, 1), going(FLEET.slice(0, 1))];
    ec2.on(TerminateInstancesCommand).resolves({});
    assert.equal(await runTerminateWorkers(config, print, options(false)), 1);
    assert.ok(slept.reduce((a, b) => a + b, 0) <= 300_000, `waited ${slept.join('+')} ms`);
    assert.ok(clock - 1_000_000 >= 300_000, 'waited the whole bound');
    const unclipped = slept.slice(0, -1); // the last wait is cut to what is left of the bound
    assert.ok(unclipped.every((ms, i) => i === 0 || ms >= unclipped[i - 1]!), `delays ${slept.join()} back off`);
    assert.ok(lines.some((l) => /left: i-1\s+app-tier-instance-1\s+\(shutting-down\)/.test(l)), lines.join('\n'));
    assert.equal(lines.at(-1), '1 app-tier instance(s) of prefix sf in eu-west-1 left');
  });

  test('on another compute backend it refuses with what it needs', async () => {
    const local = loadConfig({ prefix: 'sf' }, {});
    await assert.rejects(runTerminateWorkers(local, print, options(false)), (error: unknown) => {
      assert.ok(error instanceof ConfigInvalidError);
      assert.match(error.message, /^terminate-workers needs compute\.backend = ec2/);
      return true;
    });
    assert.equal(ec2.commandCalls(DescribeInstancesCommand).length, 0);
  });
});
