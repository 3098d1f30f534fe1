/**
 * Shared by the CDK tests: a fake built project to ship, synthesis with deploy/cdk.json's feature flags,
 * and a resolver that turns CloudFormation intrinsics (Fn::Join, Ref, ...) into plain text, enough to read
 * ARNs and to run the boot scripts.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ScalefaceStack, type ScalefaceStackProps } from '../../deploy/stack.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** The project files the instances need, plus strays that must never be uploaded. */
export const SHIPPED = ['assets/darknet-tiny-imagenet/model.json', 'dist/src/cli/main.js', 'package-lock.json', 'package.json', 'src/web/ui/index.html'];
const STRAYS = ['.env', 'data/photo.jpg', 'node_modules/x/index.js', 'dist/test/a.test.js', 'cdk.out/manifest.json', 'boot.log', 'src/cli/main.ts'];

export async function fakeProject(dir: string): Promise<string> {
  const project = join(dir, 'project');
  for (const file of [...SHIPPED, ...STRAYS]) {
    await mkdir(dirname(join(project, file)), { recursive: true });
    await writeFile(join(project, file), file === 'package.json' ? '{"name":"scaleface"}' : `contents of ${file}`);
  }
  return project;
}

/** The context of deploy/cdk.json (feature flags among it), as the CDK command line passes it. */
export function cdkJsonContext(): Record<string, unknown> {
  const file = new URL('../../../deploy/cdk.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

export interface Synthesized {
  readonly app: App;
  readonly stack: ScalefaceStack;
  readonly template: Template;
}

export function synthStack(outdir: string, id: string, props: Partial<ScalefaceStackProps> & { projectDir: string }): Synthesized {
  const app = new App({ outdir, context: cdkJsonContext() });
  const stack = new ScalefaceStack(app, id, { prefix: 'sf-test', allowedCidr: '203.0.113.7/32', ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TestStack',
};

/** Plain text of a template value: pseudo parameters filled in, other Refs as `<Ref:id>`, GetAtts as `<id.attr>`. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const v = value as Record<string, unknown>;
  if ('Ref' in v) return PSEUDO[v.Ref as string] ?? `<Ref:${String(v.Ref)}>`;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Base64' in v) return flat(v['Fn::Base64']);
  if ('Fn::Sub' in v) return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => PSEUDO[name] ?? `<Ref:${name}>`);
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

export function resourcesOf<T = Record<string, unknown>>(template: Template, type: string): [string, { Properties: T }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: T }][];
}

export interface LaunchTemplateData {
  UserData: unknown;
  TagSpecifications?: { ResourceType: string }[];
  IamInstanceProfile?: { Arn: unknown };
  CreditSpecification?: { CpuCredits: string };
  InstanceInitiatedShutdownBehavior?: string;
  ImageId?: unknown;
}

/** The app tier's launch template (the one named `<prefix>-app-tier`). */
export function appTierTemplate(template: Template): { id: string; data: LaunchTemplateData; name: unknown } {
  const found = resourcesOf<{ LaunchTemplateName: unknown; LaunchTemplateData: LaunchTemplateData }>(template, 'AWS::EC2::LaunchTemplate')
    .find(([id]) => id.startsWith('AppTierLaunchTemplate'));
  if (!found) throw new Error('no app-tier launch template');
  return { id: found[0], data: found[1].Properties.LaunchTemplateData, name: found[1].Properties.LaunchTemplateName };
}

/** One IAM policy statement of the synthesized template. */
export interface Statement {
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export type RoleName = 'WebTierRole' | 'AppTierRole' | 'AutoscalerRole';

export const listOf = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Every statement of the policies attached to one of the stack's roles. */
export function roleStatements(s: Synthesized, roleName: RoleName): Statement[] {
  const role = Object.keys(s.template.findResources('AWS::IAM::Role')).find((k) => k.startsWith(roleName));
  return resourcesOf<{ Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } }>(s.template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r) => r.Ref === role))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/**
 * A fake project and the stack synthesized from it with default settings, made before the file's tests and
 * removed after them: `dir` holds other synthesized variants, `project` is what they are built from.
 */
export function baseStackFixture(label: string): { dir: string; project: string; base: Synthesized } {
  const fixture = {} as { dir: string; project: string; base: Synthesized };
  before(async () => {
    fixture.dir = await mkdtemp(join(tmpdir(), `scaleface-${label}-`));
    fixture.project = await fakeProject(fixture.dir);
    fixture.base = synthStack(join(fixture.dir, 'base'), 'Base', { projectDir: fixture.project, env: { account: ACCOUNT, region: REGION } });
  });
  after(async () => {
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

export interface GroupResource {
  Properties: { MinSize: string; MaxSize: string; VPCZoneIdentifier: unknown[]; LaunchTemplate: { LaunchTemplateId: { Ref: string }; Version: unknown }; TargetGroupARNs?: unknown[] };
  CreationPolicy?: { ResourceSignal?: { Count?: number } };
  UpdatePolicy?: Record<string, unknown>;
}

/** Every Auto Scaling group of the stack, by logical id. */
export function autoScalingGroups(s: Synthesized): [string, GroupResource][] {
  return Object.entries(s.template.findResources('AWS::AutoScaling::AutoScalingGroup')) as [string, GroupResource][];
}

/** The Auto Scaling group whose logical id starts with `prefix` (WebTierGroup, AutoscalerGroup), with its id. */
export function autoScalingGroup(s: Synthesized, prefix: string): { id: string; group: GroupResource } {
  const found = autoScalingGroups(s).find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no Auto Scaling group ${prefix}: ${autoScalingGroups(s).map(([id]) => id).join(', ')}`);
  return { id: found[0], group: found[1] };
}

/** The launch-template data an Auto Scaling group launches from. */
export function groupLaunchTemplate(s: Synthesized, group: GroupResource): LaunchTemplateData {
  const id = group.Properties.LaunchTemplate.LaunchTemplateId.Ref;
  const found = resourcesOf<{ LaunchTemplateData: LaunchTemplateData }>(s.template, 'AWS::EC2::LaunchTemplate').find(([key]) => key === id);
  if (!found) throw new Error(`no launch template ${id}`);
  return found[1].Properties.LaunchTemplateData;
}
