/**
 * What issue 13 found wrong with the deployment, checked on the synthesized stack: the rights RunInstances
 * with the launch template needs, the app tier's environment, synthesis without context, two stacks in one
 * account, roll-out of new user data to the web tier and a pinned AMI, CPU credits, and what the code asset holds.
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
  autoScalingGroup,
  groupLaunchTemplate,
  baseStackFixture,
  cdkJsonContext,
  flat,
  listOf,
  resourcesOf,
  roleStatements,
  synthStack,
  type GroupResource,
  type LaunchTemplateData,
  type RoleName,
  type Statement,
  type Synthesized,
} from './cdk-fixture.js';

const fixture = baseStackFixture('deploy');

/** ARNs (as text) on which a role (default: the autoscaler's) may do `action`, with the statements' conditions. */
function allowed(s: Synthesized, action: string, roleName: RoleName = 'AutoscalerRole'): { arn: string; condition?: Statement['Condition'] }[] {
  return roleStatements(s, roleName)
    .filter((st) => listOf(st.Action).includes(action))
    .flatMap((st) => listOf(st.Resource).map((r) => ({ arn: flat(r), condition: st.Condition })));
}

function groupOf(s: Synthesized, prefix: string): GroupResource {
  return autoScalingGroup(s, prefix).group;
}

/** The launch-template data of an Auto Scaling group of the stack. */
function serviceTemplate(s: Synthesized, groupPrefix: string): LaunchTemplateData {
  return groupLaunchTemplate(s, groupOf(s, groupPrefix));
}

function files(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('deployment fixes (issue 13)', () => {
  test('the autoscaler role holds every right RunInstances with the launch template needs, tags included', () => {
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
    assert.equal(mine.length, 3, 'the app tier, the web tier and the autoscaler');
    for (const name of mine) assert.ok(name === '' || !theirs.includes(name), `launch-template name ${name} in both stacks`);
  });

  test('new user data rolls out a new web tier (a new launch-template version, replacing update); the AMI is pinned (cached lookup or -c amiId)', () => {
    const changed = synthStack(join(fixture.dir, 'changed'), 'Base', { projectDir: fixture.project, maxInstances: 5, env: { account: ACCOUNT, region: REGION } });
    assert.notEqual(flat(serviceTemplate(changed, 'WebTierGroup').UserData), flat(serviceTemplate(fixture.base, 'WebTierGroup').UserData));
    const group = groupOf(fixture.base, 'WebTierGroup');
    // The group follows the template's latest version, so the new user data reaches it, through a replacing update.
    assert.deepEqual(group.Properties.LaunchTemplate.Version, { 'Fn::GetAtt': [group.Properties.LaunchTemplate.LaunchTemplateId.Ref, 'LatestVersionNumber'] });
    assert.deepEqual(group.UpdatePolicy?.AutoScalingReplacingUpdate, { WillReplace: true });
    // No SSM parameter resolved at each deploy: the lookup is recorded as context to cache in cdk.context.json.
    assert.deepEqual(Object.keys(fixture.base.template.toJSON().Parameters ?? {}).filter((p) => p.startsWith('SsmParameterValue')), []);
    const missing = fixture.base.app.synth().manifest.missing ?? [];
    assert.ok(missing.some((m) => m.provider === 'ssm' && JSON.stringify(m.props).includes('al2023')), JSON.stringify(missing));
    const pinned = synthStack(join(fixture.dir, 'pinned'), 'Pinned', { projectDir: fixture.project, amiId: 'ami-0123456789abcdef0' });
    for (const group of ['WebTierGroup', 'AutoscalerGroup']) assert.equal(serviceTemplate(pinned, group).ImageId, 'ami-0123456789abcdef0');
    assert.equal(appTierTemplate(pinned.template).data.ImageId, 'ami-0123456789abcdef0');
  });

  test('t3 instances use standard CPU credits, on encrypted root volumes', () => {
    const templates = [appTierTemplate(fixture.base.template).data, serviceTemplate(fixture.base, 'WebTierGroup'), serviceTemplate(fixture.base, 'AutoscalerGroup')];
    for (const data of templates) {
      assert.deepEqual(data.CreditSpecification, { CpuCredits: 'standard' });
      assert.equal((data as { BlockDeviceMappings?: { Ebs: { Encrypted: boolean } }[] }).BlockDeviceMappings?.[0]?.Ebs.Encrypted, true);
    }
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
    assert.ok(heartbeat(allowed(fixture.base, 's3:PutObject')), 'the autoscaler writes it');
    assert.ok(!heartbeat(allowed(fixture.base, 's3:PutObject', 'WebTierRole')), 'a web instance runs no autoscaler and may not pretend to');
    assert.ok(heartbeat(allowed(fixture.base, 's3:GetObject', 'AppTierRole')), 'workers read it');
  });
});
