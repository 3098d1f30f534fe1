/**
 * The EC2 pool's memory of its launches in flight (ec2-instances.ts), on a mocked EC2 API: DescribeInstances is
 * eventually consistent and may not list an instance right after RunInstances.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { describes, ec2, NOW, ours, pool, resetEc2Mock } from '../../helpers/ec2-mock.js';

beforeEach(resetEc2Mock);

describe('launches in flight (DescribeInstances is eventually consistent)', () => {
  test('an instance not listed yet right after RunInstances is counted by list() and its name is not reused', async () => {
    let now = NOW;
    describes(); // EC2 does not list the new instance yet
    const p = pool({ now: () => now });
    const first = await p.launch(1);
    assert.deepEqual(first.map((i) => i.name), ['app-tier-instance-1']);
    assert.deepEqual((await p.list()).map((i) => [i.id, i.name, i.state, i.ready]), [['i-new1', 'app-tier-instance-1', 'pending', false]]);
    const second = await p.launch(1);
    assert.deepEqual(second.map((i) => i.name), ['app-tier-instance-2'], 'the name of the unlisted launch is not reused');
    // Now EC2 lists the first one: it is counted once.
    describes(ours('i-new1', 1, 'running', new Date(NOW)));
    assert.deepEqual((await p.list()).map((i) => i.id), ['i-new1', 'i-new2']);
    // An instance EC2 never lists is forgotten after a bound.
    now += 10 * 60_000;
    assert.deepEqual((await p.list()).map((i) => i.id), ['i-new1']);
  });

  test('terminating an instance EC2 does not list yet terminates it and forgets it', async () => {
    describes();
    ec2.on(TerminateInstancesCommand).resolves({});
    const p = pool();
    const [launched] = await p.launch(1);
    await p.terminate(launched!.id);
    assert.deepEqual(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-new1']]);
    assert.deepEqual(await p.list(), []);
  });
});
