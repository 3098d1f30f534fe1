#!/usr/bin/env node
/**
 * The CDK app (entry of deploy/cdk.json; runs compiled, as dist/deploy/app.js). Settings come from CDK
 * context, e.g. `npx cdk deploy -c prefix=sf-alice -c allowedCidr=203.0.113.7/32`; credentials and the
 * account and region from the AWS SDK's default provider chain, as for the app itself.
 */
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { ScalefaceStack } from './stack.js';

function optionalNumber(app: App, key: string): number | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`context ${key} must be a whole number >= 1, got ${String(raw)}`);
  return value;
}

function requiredString(app: App, key: string, example: string): string {
  const raw: unknown = app.node.tryGetContext(key);
  if (typeof raw !== 'string' || raw.length === 0) throw new Error(`missing context: -c ${key}=${example}`);
  return raw;
}

const app = new App();
new ScalefaceStack(app, requiredString(app, 'stackName', 'Scaleface').replace(/[^A-Za-z0-9-]/g, '-'), {
  prefix: requiredString(app, 'prefix', 'sf-yourname'),
  allowedCidr: requiredString(app, 'allowedCidr', '203.0.113.7/32'),
  // dist/deploy/app.js → the project folder.
  projectDir: fileURLToPath(new URL('../..', import.meta.url)),
  appInstanceType: app.node.tryGetContext('appInstanceType') as string | undefined,
  webInstanceType: app.node.tryGetContext('webInstanceType') as string | undefined,
  webInstances: optionalNumber(app, 'webInstances'),
  maxInstances: optionalNumber(app, 'maxInstances'),
  inputTtlDays: optionalNumber(app, 'inputTtlDays'),
  outputTtlDays: optionalNumber(app, 'outputTtlDays'),
  description: 'Scaleface: elastic face recognition (web tier, SQS, S3, EC2 app tier)',
});
app.synth();
