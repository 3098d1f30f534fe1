/**
 * What the synthesized stack gives each tier: its role's statements and the environment its boot script writes,
 * with every CloudFormation intrinsic (Ref, GetAtt, Join, Sub) resolved to the names and ids the emulator holds.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { appTierTemplate, autoScalingGroup, groupLaunchTemplate, resourcesOf, roleStatements, type RoleName, type Statement, type Synthesized } from '../aws/cdk-fixture.js';
import { ACCOUNT, REGION } from './emulator.js';

export type Tier = 'web' | 'autoscaler' | 'app';
export const ROLE_OF: Record<Tier, RoleName> = { web: 'WebTierRole', autoscaler: 'AutoscalerRole', app: 'AppTierRole' };

/** Ids the emulator gave to what the stack creates itself (subnets, the launch template, ...), by logical id. */
export type PhysicalIds = Record<string, string>;

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'Scaleface', 'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Scaleface/00000000-0000-0000-0000-000000000000` };

function arnOf(resources: Resources, id: string, ids: PhysicalIds): string {
  const resource = resources[id];
  const props = resource?.Properties ?? {};
  switch (resource?.Type) {
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${String(props.QueueName)}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${String(props.BucketName)}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT}:role/${ids[id] ?? id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${String(props.LogGroupName)}:*`;
    default:
      throw new Error(`no ARN for ${id} (${resource?.Type ?? 'unknown'})`);
  }
}

/** Plain text or list of an intrinsic, as CloudFormation would resolve it in the emulator's account. */
export function resolver(template: Template, ids: PhysicalIds): (value: unknown) => unknown {
  const resources = template.toJSON().Resources as Resources;
  const ref = (id: string): string => {
    if (PSEUDO[id] !== undefined) return PSEUDO[id];
    if (ids[id] !== undefined) return ids[id];
    const props = resources[id]?.Properties ?? {};
    const named = props.QueueName ?? props.BucketName;
    if (typeof named === 'string') return resources[id]?.Type === 'AWS::SQS::Queue' ? `http://sqs/${ACCOUNT}/${named}` : named;
    throw new Error(`no physical id for Ref ${id}`);
  };
  const attr = (id: string, name: string): string => {
    if (name === 'Arn') return arnOf(resources, id, ids);
    if (name === 'QueueName') return String(resources[id]?.Properties?.QueueName);
    const known = ids[`${id}.${name}`];
    if (known !== undefined) return known;
    throw new Error(`no value for GetAtt ${id}.${name}`);
  };
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map(resolve);
    const v = value as Record<string, unknown>;
    if ('Ref' in v) return ref(v.Ref as string);
    if ('Fn::GetAtt' in v) return attr(...(v['Fn::GetAtt'] as [string, string]));
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => String(resolve(p))).join(sep);
    }
    if ('Fn::Base64' in v) return resolve(v['Fn::Base64']);
    if ('Fn::Sub' in v) {
      return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => (name.includes('.') ? attr(...(name.split('.') as [string, string])) : ref(name)));
    }
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, resolve(inner)]));
  };
  return resolve;
}

/** The role's statements, resolved. */
export function tierStatements(s: Synthesized, tier: Tier, ids: PhysicalIds): Statement[] {
  const resolve = resolver(s.template, ids);
  return roleStatements(s, ROLE_OF[tier]).map((statement) => resolve(statement) as Statement);
}

/** The variables the tier's boot script writes into /etc/scaleface/env. */
export function bootEnv(s: Synthesized, tier: Tier, ids: PhysicalIds): Record<string, string> {
  const data = tier === 'app' ? appTierTemplate(s.template).data : groupLaunchTemplate(s, autoScalingGroup(s, tier === 'web' ? 'WebTierGroup' : 'AutoscalerGroup').group);
  const script = String(resolver(s.template, ids)(data.UserData));
  const body = /cat > \/etc\/scaleface\/env <<'ENV'\n([\s\S]*?)\nENV/.exec(script)?.[1];
  if (body === undefined) throw new Error(`no env file in the ${tier} boot script`);
  return Object.fromEntries(body.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** Logical ids of the stack's resources of one type. */
export function logicalIds(s: Synthesized, type: string): string[] {
  return resourcesOf(s.template, type).map(([id]) => id);
}
