/**
 * The web tier as an Auto Scaling group behind an Application Load Balancer (HTTPS when given a certificate),
 * exactly one autoscaler on an instance of its own, and workers spread over the subnets of two AZs (issue 13).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { READY_TIMEOUT } from '../../deploy/service-group.js';
import { HEALTH_WAIT_SECONDS } from '../../deploy/user-data.js';
import { loadConfig } from '../../src/config/index.js';
import {
  ACCOUNT,
  REGION,
  autoScalingGroup,
  autoScalingGroups,
  baseStackFixture,
  flat,
  groupLaunchTemplate,
  listOf,
  resourcesOf,
  roleStatements,
  synthStack,
  type GroupResource,
  type Synthesized,
} from './cdk-fixture.js';

const fixture = baseStackFixture('web-tier');
const CERTIFICATE = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`;

const groups = autoScalingGroups;

/** The boot script of a group, read from its launch template. */
function bootScriptOf(s: Synthesized, group: GroupResource): string {
  return flat(groupLaunchTemplate(s, group).UserData);
}

function groupNamed(s: Synthesized, prefix: string): GroupResource {
  return autoScalingGroup(s, prefix).group;
}

function actionsOfRole(s: Synthesized, role: 'WebTierRole' | 'AutoscalerRole'): string[] {
  return roleStatements(s, role).flatMap((statement) => listOf(statement.Action));
}

describe('web tier behind a load balancer (issue 13)', () => {
  test('web instances run in an Auto Scaling group over two AZs, from 1 to the configured maximum, scaled on CPU', () => {
    const s = synthStack(join(fixture.dir, 'max5'), 'Max5', { projectDir: fixture.project, webMaxInstances: 5 });
    s.template.resourceCountIs('AWS::EC2::Instance', 0);
    const web = groupNamed(s, 'WebTierGroup');
    assert.equal(web.Properties.MinSize, '1');
    assert.equal(web.Properties.MaxSize, '5');
    assert.equal(web.Properties.VPCZoneIdentifier.length, 2);
    assert.equal(web.Properties.TargetGroupARNs?.length, 1);
    // CloudFormation waits for every instance to answer /healthz, and replaces the group on new user data.
    assert.equal(web.CreationPolicy?.ResourceSignal?.Count, 1);
    assert.ok(web.UpdatePolicy?.AutoScalingReplacingUpdate, JSON.stringify(web.UpdatePolicy));
    s.template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } }),
    });
    assert.throws(() => synthStack(join(fixture.dir, 'bad'), 'Bad', { projectDir: fixture.project, webMinInstances: 3, webMaxInstances: 2 }), /webMaxInstances 2 .* webMinInstances 3/);
  });

  test('web instances run `up` without the autoscaler; exactly one instance of its own runs it, and its group never holds two', () => {
    const { base } = fixture;
    const webScript = bootScriptOf(base, groupNamed(base, 'WebTierGroup'));
    assert.match(webScript, /main\.js up\n/);
    assert.match(webScript, /SCALEFACE_AUTOSCALER=off/);
    assert.match(webScript, /SCALEFACE_HOST=0\.0\.0\.0/);
    // The course's client posts to / without a token; any Host (the load balancer's name is known after the deploy).
    assert.match(webScript, /SCALEFACE_REQUIRE_AUTH_FOR_UPLOADS=false/);
    assert.match(webScript, /SCALEFACE_WEB_ALLOWED_HOSTS=\*/);
    const autoscaler = groupNamed(base, 'AutoscalerGroup');
    assert.equal(autoscaler.Properties.MinSize, '1');
    assert.equal(autoscaler.Properties.MaxSize, '1');
    // A rolling update with none kept in service ends the old autoscaler before starting the new one.
    const rolling = autoscaler.UpdatePolicy?.AutoScalingRollingUpdate as { MinInstancesInService?: number } | undefined;
    assert.equal(rolling?.MinInstancesInService, 0, JSON.stringify(autoscaler.UpdatePolicy));
    const script = bootScriptOf(base, autoscaler);
    assert.match(script, /SCALEFACE_AUTOSCALER=on/);
    assert.match(script, /SCALEFACE_HOST=127\.0\.0\.1/, 'the autoscaler instance serves its status on loopback only');
    const everyScript = groups(base).map(([, g]) => bootScriptOf(base, g));
    assert.equal(everyScript.filter((text) => text.includes('SCALEFACE_AUTOSCALER=on')).length, 1);
  });

  test('a web instance the load balancer finds unhealthy is replaced, once a fresh boot has had time to answer', () => {
    const healthCheck = (prefix: string) => groupNamed(fixture.base, prefix).Properties as { HealthCheckType?: string; HealthCheckGracePeriod?: number };
    const web = healthCheck('WebTierGroup');
    assert.equal(web.HealthCheckType, 'ELB', 'EC2 checks alone never replace a hung web process');
    const grace = web.HealthCheckGracePeriod ?? 0;
    // A fresh boot: dnf and npm ci (3 to 5 min, docs/aws.md), then up to HEALTH_WAIT_SECONDS for /healthz.
    assert.ok(grace >= 5 * 60 + HEALTH_WAIT_SECONDS, `grace period ${grace} s ends before a fresh boot may answer`);
    assert.ok(grace <= READY_TIMEOUT.toSeconds(), `grace period ${grace} s outlasts CloudFormation's wait`);
    // No load balancer asks the autoscaler: EC2 status checks replace it.
    assert.notEqual(healthCheck('AutoscalerGroup').HealthCheckType, 'ELB');
  });

  test("the autoscaler's default instance has room for the boot's npm ci (peak 575 MiB, docs/aws.md) beside the OS: 2 GiB", () => {
    const type = (groupLaunchTemplate(fixture.base, groupNamed(fixture.base, 'AutoscalerGroup')) as { InstanceType?: string }).InstanceType;
    assert.equal(type, 't3.small', 'a t3.micro has 1 GiB and no swap');
  });

  test('only the autoscaler may launch and end workers; the web role reads the fleet only', () => {
    const web = actionsOfRole(fixture.base, 'WebTierRole');
    for (const forbidden of ['ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'iam:PassRole']) {
      assert.ok(!web.includes(forbidden), `web role has ${forbidden}`);
    }
    assert.ok(web.includes('ec2:DescribeInstances'), 'the web tier lists instances for /v1/status');
    const autoscaler = actionsOfRole(fixture.base, 'AutoscalerRole');
    for (const needed of ['ec2:RunInstances', 'ec2:TerminateInstances', 'iam:PassRole', 'sqs:GetQueueAttributes']) assert.ok(autoscaler.includes(needed), `autoscaler role lacks ${needed}`);
  });

  test('workers are spread over the subnets of both AZs', () => {
    const script = bootScriptOf(fixture.base, groupNamed(fixture.base, 'AutoscalerGroup'));
    const subnets = /SCALEFACE_EC2_SUBNET_IDS=([^\n]*)/.exec(script)?.[1]?.split(',') ?? [];
    assert.equal(subnets.length, 2, script);
    assert.equal(new Set(subnets).size, 2);
    const ids = Object.keys(fixture.base.template.findResources('AWS::EC2::Subnet'));
    for (const subnet of subnets) assert.ok(ids.some((id) => subnet === `<Ref:${id}>`), `${subnet} is not one of ${ids.join(', ')}`);
  });

  test('without a certificate: HTTP on port 80 from allowedCidr only, and a warning that the token travels in clear', () => {
    const { base } = fixture;
    base.template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    base.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'forward' })] });
    base.template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS' }, 0);
    const warnings = Annotations.fromStack(base.stack).findWarning('*', Match.stringLikeRegexp('certificate'));
    assert.equal(warnings.length, 1);
    // The web instances take traffic from the load balancer only.
    const ingress = resourcesOf<{ SourceSecurityGroupId?: unknown; CidrIp?: string; FromPort: number }>(base.template, 'AWS::EC2::SecurityGroupIngress');
    const toWeb = ingress.filter(([id]) => id.startsWith('WebTierSecurityGroup'));
    assert.ok(toWeb.length > 0 && toWeb.every(([, r]) => r.Properties.SourceSecurityGroupId !== undefined && r.Properties.CidrIp === undefined));
  });

  test('with a certificate: HTTPS on 443, port 80 redirects to it, both open to allowedCidr only', () => {
    const s = synthStack(join(fixture.dir, 'tls'), 'Tls', { projectDir: fixture.project, certificateArn: CERTIFICATE });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
    });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) })],
    });
    const albGroup = resourcesOf<{ SecurityGroupIngress?: { CidrIp: string; FromPort: number }[] }>(s.template, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('LoadBalancerSecurityGroup'));
    const rules = albGroup?.[1].Properties.SecurityGroupIngress ?? [];
    assert.deepEqual(rules.map((r) => [r.CidrIp, r.FromPort]).sort(), [['203.0.113.7/32', 443], ['203.0.113.7/32', 80]]);
    for (const output of ['LoadBalancerDnsName', 'WebTierGroupName', 'AutoscalerGroupName']) assert.equal(Object.keys(s.template.findOutputs(output)).length, 1, output);
    const url = s.template.findOutputs('LoadBalancerUrl');
    assert.match(flat(Object.values(url)[0]?.Value), /^https:\/\//);
    assert.equal(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('certificate')).length, 0);
  });

  test("the load balancer's idle timeout outlasts the web tier's default reply wait on EC2", () => {
    const config = loadConfig({ compute: { backend: 'ec2' }, queue: { backend: 'sqs' }, storage: { backend: 's3' } }, {});
    const attributes = resourcesOf<{ LoadBalancerAttributes: { Key: string; Value: string }[] }>(fixture.base.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]?.[1].Properties.LoadBalancerAttributes ?? [];
    const idle = Number(attributes.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value);
    assert.ok(idle * 1000 > config.web.replyTimeoutMs, `idle timeout ${idle} s, reply timeout ${config.web.replyTimeoutMs} ms`);
    assert.ok(idle <= 4000, 'the most an ALB accepts');
  });
});
