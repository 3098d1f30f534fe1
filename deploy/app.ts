#!/usr/bin/env node
/**
 * The CDK app (entry of deploy/cdk.json; runs compiled, as dist/deploy/app.js). Settings come from CDK
 * context, e.g. `npx cdk deploy -c prefix=sf-alice -c allowedCidr=203.0.113.7/32`, all of them optional
 * (docs/aws.md lists them); credentials and the account and region from the AWS SDK's default provider
 * chain, as for the app itself.
 */
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { MODEL_KINDS, ScalefaceStack, type ModelKind } from './stack.js';

/** Default prefix of the queues, buckets and launch template (bucket names are global: pick your own). */
export const DEFAULT_PREFIX = 'scaleface';

function optionalNumber(app: App, key: string): number | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`context ${key} must be a whole number >= 1, got ${String(raw)}`);
  return value;
}

function optionalString(app: App, key: string, pattern: RegExp): string | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw)) throw new Error(`context ${key} must match ${String(pattern)}, got ${String(raw)}`);
  return raw;
}

function optionalModel(app: App): ModelKind | undefined {
  const raw: unknown = app.node.tryGetContext('model');
  if (raw === undefined) return undefined;
  const kind = MODEL_KINDS.find((k) => k === raw);
  if (kind === undefined) throw new Error(`context model must be one of ${MODEL_KINDS.join(', ')}, got ${String(raw)}`);
  return kind;
}

const app = new App();
if (app.node.tryGetContext('webInstances') !== undefined) {
  throw new Error('context webInstances is gone: the web tier is an Auto Scaling group, sized by -c webMinInstances and -c webMaxInstances');
}
// The CDK command line sets these from the credentials; without them the stack is environment-agnostic.
// eslint-disable-next-line no-restricted-properties -- the CDK's own variables, not Scaleface configuration
const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
const stackName = optionalString(app, 'stackName', /^[A-Za-z][A-Za-z0-9-]*$/) ?? 'Scaleface';
new ScalefaceStack(app, stackName, {
  env: account && region ? { account, region } : undefined,
  prefix: optionalString(app, 'prefix', /^[a-z0-9][a-z0-9-]{1,40}$/) ?? DEFAULT_PREFIX,
  allowedCidr: optionalString(app, 'allowedCidr', /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/),
  amiId: optionalString(app, 'amiId', /^ami-[0-9a-f]+$/),
  // dist/deploy/app.js → the project folder.
  projectDir: fileURLToPath(new URL('../..', import.meta.url)),
  appInstanceType: app.node.tryGetContext('appInstanceType') as string | undefined,
  webInstanceType: app.node.tryGetContext('webInstanceType') as string | undefined,
  autoscalerInstanceType: app.node.tryGetContext('autoscalerInstanceType') as string | undefined,
  webMinInstances: optionalNumber(app, 'webMinInstances'),
  webMaxInstances: optionalNumber(app, 'webMaxInstances'),
  certificateArn: optionalString(app, 'certificateArn', /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/),
  maxInstances: optionalNumber(app, 'maxInstances'),
  inputTtlDays: optionalNumber(app, 'inputTtlDays'),
  outputTtlDays: optionalNumber(app, 'outputTtlDays'),
  logRetentionDays: optionalNumber(app, 'logRetentionDays'),
  model: optionalModel(app),
  // Default /scaleface/<prefix>/auth-token: a SecureString created once with `aws ssm put-parameter`.
  tokenParameter: optionalString(app, 'tokenParameter', /^\/?[A-Za-z0-9_.\-/]{1,1000}$/),
  // The names clients use for the web tier, comma-separated (default: any).
  allowedHosts: optionalString(app, 'allowedHosts', /^(\*|[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*)$/),
  description: 'Scaleface: elastic face recognition (web tier, SQS, S3, EC2 app tier)',
});
app.synth();
