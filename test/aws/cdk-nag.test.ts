/**
 * cdk-nag's AwsSolutions rules on the synthesized stack (one web instance, and two behind a load balancer):
 * every error is either fixed or suppressed in deploy/nag.ts with a reason specific to this deployment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ScalefaceStack } from '../../deploy/stack.js';
import { ACCOUNT, REGION, cdkJsonContext, fakeProject } from './cdk-fixture.js';

let dir: string;
let project: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-nag-'));
  project = await fakeProject(dir);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function nagErrors(label: string, certificateArn?: string): string[] {
  const app = new App({ outdir: join(dir, `out-${label}`), context: cdkJsonContext() });
  const stack = new ScalefaceStack(app, `Nag${label}`, {
    env: { account: ACCOUNT, region: REGION },
    prefix: 'sf-nag',
    allowedCidr: '203.0.113.7/32',
    projectDir: project,
    certificateArn,
    inputTtlDays: 7,
  });
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations
    .filter((v) => v.severity === undefined || /error/i.test(v.severity))
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} on ${r.constructPath ?? r.resourceLogicalId}`));
}

describe('cdk-nag AwsSolutions', () => {
  test('no unsuppressed error with the load balancer on plain HTTP', () => {
    assert.deepEqual(nagErrors('http'), []);
  });

  test('no unsuppressed error with the load balancer on HTTPS', () => {
    assert.deepEqual(nagErrors('https', `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666`), []);
  });
});
