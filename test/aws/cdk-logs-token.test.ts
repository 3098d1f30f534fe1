/**
 * Logs and the bearer token on the synthesized stack: CloudWatch Logs groups the stack owns (retention,
 * deleted with the stack) that each tier's role may write, and only those; the web tier's token read
 * from one SSM parameter, which only the web role may read.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ACCOUNT,
  REGION,
  autoScalingGroup,
  baseStackFixture,
  flat,
  groupLaunchTemplate,
  listOf,
  resourcesOf,
  roleStatements,
  synthStack,
  type RoleName,
  type Synthesized,
} from './cdk-fixture.js';

const fixture = baseStackFixture('logs');

/** Resources (as text) of the statements that allow any action of `service`. */
function resourcesFor(s: Synthesized, roleName: RoleName, service: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const st of roleStatements(s, roleName)) {
    for (const action of listOf(st.Action).filter((a) => a.startsWith(`${service}:`))) {
      for (const r of listOf(st.Resource)) out.set(flat(r), [...(out.get(flat(r)) ?? []), action]);
    }
  }
  return out;
}

/** Log group name → its logical id and retention. */
function logGroups(s: Synthesized): Map<string, { id: string; retention?: number; deletion?: string }> {
  const groups = s.template.findResources('AWS::Logs::LogGroup') as Record<string, { Properties: { LogGroupName: string; RetentionInDays?: number }; DeletionPolicy?: string }>;
  return new Map(Object.entries(groups).map(([id, g]) => [g.Properties.LogGroupName, { id, retention: g.Properties.RetentionInDays, deletion: g.DeletionPolicy }]));
}

describe('CloudWatch Logs', () => {
  test('the stack owns the web, app-tier, autoscaler and boot log groups, with a retention, deleted with the stack', () => {
    const groups = logGroups(fixture.base);
    assert.deepEqual([...groups.keys()].sort(), ['/scaleface/sf-test/app-tier', '/scaleface/sf-test/autoscaler', '/scaleface/sf-test/boot', '/scaleface/sf-test/web']);
    for (const [name, g] of groups) {
      assert.equal(g.retention, 14, `${name} retention`);
      assert.equal(g.deletion, 'Delete', `${name} deletion policy`);
    }
    // The boot scripts name the groups literally: the Auto Scaling groups and the app tier's template wait for them.
    const ids = [...groups.values()].map((g) => g.id).sort();
    const dependents = { ...fixture.base.template.findResources('AWS::AutoScaling::AutoScalingGroup'), ...fixture.base.template.findResources('AWS::EC2::LaunchTemplate') } as Record<string, { DependsOn?: string[] }>;
    const checked = Object.entries(dependents).filter(([id]) => id.startsWith('AppTierLaunchTemplate') || /^(WebTier|Autoscaler)GroupASG/.test(id));
    assert.equal(checked.length, 3);
    for (const [id, r] of checked) assert.deepEqual((r.DependsOn ?? []).filter((d) => ids.includes(d)).sort(), ids, `${id} depends on the log groups`);
    const week = synthStack(join(fixture.dir, 'week'), 'Week', { projectDir: fixture.project, logRetentionDays: 7 });
    for (const [name, g] of logGroups(week)) assert.equal(g.retention, 7, name);
  });

  test('each role may write only its own log groups (and the shared boot group), never `*`', () => {
    const groups = logGroups(fixture.base);
    const arn = (name: string) => `<${groups.get(name)?.id}.Arn>`;
    const expected = ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'];
    const web = resourcesFor(fixture.base, 'WebTierRole', 'logs');
    assert.deepEqual([...web.keys()].sort(), [arn('/scaleface/sf-test/boot'), arn('/scaleface/sf-test/web')].sort());
    const app = resourcesFor(fixture.base, 'AppTierRole', 'logs');
    assert.deepEqual([...app.keys()].sort(), [arn('/scaleface/sf-test/app-tier'), arn('/scaleface/sf-test/boot')].sort());
    const autoscaler = resourcesFor(fixture.base, 'AutoscalerRole', 'logs');
    assert.deepEqual([...autoscaler.keys()].sort(), [arn('/scaleface/sf-test/autoscaler'), arn('/scaleface/sf-test/boot')].sort());
    for (const actions of [...web.values(), ...app.values(), ...autoscaler.values()]) assert.deepEqual(actions.sort(), expected);
  });
});

describe('bearer token from SSM Parameter Store', () => {
  const parameterArn = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;

  /** Resources of ssm:GetParameter* grants only. */
  const reads = (s: Synthesized, roleName: RoleName) =>
    Object.fromEntries(
      [...resourcesFor(s, roleName, 'ssm')]
        .map(([r, a]): [string, string[]] => [r, a.filter((x) => x.startsWith('ssm:GetParameter'))])
        .filter(([, a]) => a.length > 0),
    );

  test('the web role may read exactly the token parameter (default /scaleface/<prefix>/auth-token); the app and autoscaler roles may not', () => {
    assert.deepEqual(reads(fixture.base, 'WebTierRole'), { [parameterArn('/scaleface/sf-test/auth-token')]: ['ssm:GetParameter'] });
    assert.deepEqual(reads(fixture.base, 'AppTierRole'), {});
    assert.deepEqual(reads(fixture.base, 'AutoscalerRole'), {});
  });

  test('no role holds AmazonSSMManagedInstanceCore (it allows ssm:GetParameter on every parameter); Session Manager keeps its rights', () => {
    const roles = resourcesOf<{ ManagedPolicyArns?: unknown[] }>(fixture.base.template, 'AWS::IAM::Role');
    for (const [id, role] of roles) assert.deepEqual((role.Properties.ManagedPolicyArns ?? []).map(flat), [], id);
    const session = ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];
    for (const roleName of ['WebTierRole', 'AppTierRole', 'AutoscalerRole'] as const) {
      const granted = roleStatements(fixture.base, roleName).filter((st) => listOf(st.Resource).includes('*')).flatMap((st) => listOf(st.Action));
      for (const action of session) assert.ok(granted.includes(action), `${roleName}: ${action}`);
    }
  });

  test('a tokenParameter of its own is granted instead, and named in the web boot script', () => {
    const own = synthStack(join(fixture.dir, 'own'), 'Own', { projectDir: fixture.project, tokenParameter: '/team/sf/token', env: { account: ACCOUNT, region: REGION } });
    assert.deepEqual(reads(own, 'WebTierRole'), { [parameterArn('/team/sf/token')]: ['ssm:GetParameter'] });
    const web = groupLaunchTemplate(own, autoScalingGroup(own, 'WebTierGroup').group);
    assert.match(flat(web.UserData), /aws ssm get-parameter .*--name \/team\/sf\/token .*--with-decryption/);
  });
});
