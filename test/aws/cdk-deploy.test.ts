/**
 * What issue 13 found wrong with the deployment, checked on the synthesized stack: the rights RunInstances
 * with the launch template needs, the app tier's environment, synthesis without context, two stacks in one
 * account, replacement of the web instance and a pinned AMI, CPU credits, and what the code asset holds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import {
  ACCOUNT,
  REGION,
  SHIPPED,
  appTierTemplate,
  baseStackFixture,
  cdkJsonContext,
  flat,
  listOf,
  resourcesOf,
  roleStatements,
  synthStack,
  type RoleName,
  type Statement,
  type Synthesized,
} from './cdk-fixture.js';


const fixture = baseStackFixture('deploy');



/** ARNs (as text) on which a role (default: the web tier's) may do `action`, with the statements' conditions. */
function allowed(s: Synthesized, action: string, roleName: RoleName = 'WebTierRole'): { arn: string; condition?: Statement['Condition'] }[] {
  return roleStatements(s, roleName)
    .filter((st) => listOf(st.Action).includes(action))
    .flatMap((st) => listOf(st.Resource).map((r) => ({ arn: flat(r), condition: st.Condition })));
}

function files(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('deployment fixes (issue 13)', () => {
  test('the web role holds every right RunInstances with the launch template needs, tags included', () => {
    const run = allowed(fixture.base, 'ec2:RunInstances').map((r) => r.arn);
    const lt = appTierTemplate(fixture.base.template);
    for (const type of ['instance', 'volume', 'network-interface', 'security-group', 'subnet', 'image']) {
      assert.ok(run.some((arn) => new RegExp(`^arn:aws:ec2:${REGION}:(${ACCOUNT})?:${type}/\\*$`).test(arn)), `RunInstances on ${type}/*: ${run.join(', ')}`);
    }
    assert.ok(run.includes(`arn:aws:ec2:${REGION}:${ACCOUNT}:launch-template/<Ref:${lt.id}>`), 'RunInstances on the launch template');
    // The pool tags the instance in its request; the template tags whatever its TagSpecifications name.
    const tagged = new Set(['instance', ...(lt.data.TagSpecifications ?? []).map((t) => t.ResourceType)]);
    assert.ok(tagged.has('volume'), 'the launch template tags volumes (the case that was refused)');
    const createTags = allowed(fixture.base, 'ec2:CreateTags');
    for (const type of tagged) {
      const grant = createTags.find((g) => g.arn === `arn:aws:ec2:${REGION}:${ACCOUNT}:${type}/*`);
      assert.ok(grant, `CreateTags on ${type}/*`);
      assert.deepEqual(grant.condition, { StringEquals: { 'ec2:CreateAction': 'RunInstances' } });
    }
    const profiles = resourcesOf<{ Roles: { Ref: string }[] }>(fixture.base.template, 'AWS::IAM::InstanceProfile');
    const profileArn = flat(lt.data.IamInstanceProfile?.Arn);
    const profile = profiles.find(([id]) => profileArn === `<${id}.Arn>`);
    assert.ok(profile, `instance profile ${profileArn}`);
    const passRole = allowed(fixture.base, 'iam:PassRole').map((r) => r.arn);
    assert.deepEqual(passRole, [`<${profile[1].Properties.Roles[0]?.Ref}.Arn>`]);
  });

  test('app-tier instances run on the EC2 compute backend (heartbeats), SQS, S3, with prefix and region', () => {
    const script = flat(appTierTemplate(fixture.base.template).data.UserData);
    for (const line of ['SCALEFACE_COMPUTE=ec2', 'SCALEFACE_QUEUE=sqs', 'SCALEFACE_STORAGE=s3', 'SCALEFACE_PREFIX=sf-test', `AWS_REGION=${REGION}`]) {
      assert.match(script, new RegExp(`^${line}$`, 'm'));
    }
  });

  test('the CDK app synthesizes with no context at all (as `cdk bootstrap` runs it), with prefix `scaleface`', async () => {
    const outdir = join(fixture.dir, 'no-context');
    const result = spawnSync(process.execPath, ['dist/deploy/app.js'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, CDK_OUTDIR: outdir, CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION },
    });
    assert.equal(result.status, 0, result.stderr);
    const template = JSON.parse(await readFile(join(outdir, 'Scaleface.template.json'), 'utf8')) as { Resources: Record<string, { Properties?: { QueueName?: string } }> };
    const queues = Object.values(template.Resources).map((r) => r.Properties?.QueueName).filter(Boolean);
    assert.deepEqual(queues.sort(), ['scaleface-req-dlq', 'scaleface-req-queue']);
  });

  test('two stacks with different prefixes in one account get different launch-template names; cdk.json has the flag', () => {
    assert.equal(cdkJsonContext()['@aws-cdk/aws-ec2:uniqueImdsv2TemplateName'], true);
    const other = synthStack(join(fixture.dir, 'other'), 'Other', { projectDir: fixture.project, prefix: 'sf-other', env: { account: ACCOUNT, region: REGION } });
    const names = (s: Synthesized) => resourcesOf<{ LaunchTemplateName?: unknown }>(s.template, 'AWS::EC2::LaunchTemplate').map(([, r]) => flat(r.Properties.LaunchTemplateName ?? ''));
    const mine = names(fixture.base);
    const theirs = names(other);
    assert.equal(mine.length, 2, 'the app tier and the web instance');
    for (const name of mine) assert.ok(name === '' || !theirs.includes(name), `launch-template name ${name} in both stacks`);
  });

  test('new user data replaces the web instance; the AMI is pinned (cached lookup or -c amiId)', () => {
    const instanceIds = (s: Synthesized) => Object.keys(s.template.findResources('AWS::EC2::Instance'));
    const changed = synthStack(join(fixture.dir, 'changed'), 'Base', { projectDir: fixture.project, maxInstances: 5, env: { account: ACCOUNT, region: REGION } });
    assert.notDeepEqual(instanceIds(changed), instanceIds(fixture.base), 'same logical id: CloudFormation would keep the old instance');
    // No SSM parameter resolved at each deploy: the lookup is recorded as context to cache in cdk.context.json.
    assert.deepEqual(Object.keys(fixture.base.template.toJSON().Parameters ?? {}).filter((p) => p.startsWith('SsmParameterValue')), []);
    const missing = fixture.base.app.synth().manifest.missing ?? [];
    assert.ok(missing.some((m) => m.provider === 'ssm' && JSON.stringify(m.props).includes('al2023')), JSON.stringify(missing));
    const pinned = synthStack(join(fixture.dir, 'pinned'), 'Pinned', { projectDir: fixture.project, amiId: 'ami-0123456789abcdef0' });
    const [web] = resourcesOf<{ ImageId: unknown }>(pinned.template, 'AWS::EC2::Instance');
    assert.equal(web?.[1].Properties.ImageId, 'ami-0123456789abcdef0');
    assert.equal(appTierTemplate(pinned.template).data.ImageId, 'ami-0123456789abcdef0');
  });

  test('t3 instances use standard CPU credits', () => {
    assert.deepEqual(appTierTemplate(fixture.base.template).data.CreditSpecification, { CpuCredits: 'standard' });
    const [web] = resourcesOf<{ CreditSpecification?: unknown }>(fixture.base.template, 'AWS::EC2::Instance');
    assert.deepEqual(web?.[1].Properties.CreditSpecification, { CPUCredits: 'standard' });
  });

  test('the code asset holds the allow-listed files only', async () => {
    const assets = (await readdir(join(fixture.dir, 'base'))).filter((n) => n.startsWith('asset.'));
    assert.equal(assets.length, 1, assets.join(', '));
    const root = join(fixture.dir, 'base', assets[0] ?? '');
    assert.deepEqual(files(root).map((f) => relative(root, f)).sort(), SHIPPED);
  });

  test('an unattended worker ends its instance, and both roles reach the autoscaler heartbeat', () => {
    // A worker that shuts itself down (no work, no live autoscaler) must terminate, not leave a stopped instance.
    assert.equal(appTierTemplate(fixture.base.template).data.InstanceInitiatedShutdownBehavior, 'terminate');
    const heartbeat = (arns: { arn: string }[]) => arns.some((a) => a.arn.endsWith('/autoscaler/heartbeat.json'));
    assert.ok(heartbeat(allowed(fixture.base, 's3:PutObject')), 'the web tier (its autoscaler) writes it');
    assert.ok(heartbeat(allowed(fixture.base, 's3:GetObject', 'AppTierRole')), 'workers read it');
  });
});
