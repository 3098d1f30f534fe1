/**
 * Synthesizes the CDK stack (deploy/stack.ts) and checks what the deployment must hold: queue names,
 * sizes and redrive, private encrypted TLS-only buckets, least-privilege IAM, and the boot scripts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ScalefaceStack } from '../../deploy/stack.js';
import { fakeProject } from './cdk-fixture.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

let dir: string;
let template: Template;

function synth(retention: { inputTtlDays?: number; outputTtlDays?: number } = {}): Template {
  const app = new App({ outdir: join(dir, `cdk.out-${retention.inputTtlDays ?? 0}`) });
  const stack = new ScalefaceStack(app, `Test${retention.inputTtlDays ?? 0}`, {
    prefix: 'sf-test',
    allowedCidr: '203.0.113.7/32',
    projectDir: join(dir, 'project'),
    ...retention,
  });
  return Template.fromStack(stack);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-cdk-'));
  await fakeProject(dir);
  template = synth();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every inline policy, tagged with the role it belongs to. */
function roleStatements(t: Template): { role: string; statement: Statement }[] {
  const policies = t.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((policy) => {
    const props = (policy as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }).Properties;
    const role = props.Roles[0]?.Ref ?? '';
    return props.PolicyDocument.Statement.map((statement) => ({ role, statement }));
  });
}

function roleId(t: Template, prefix: string): string {
  const id = Object.keys(t.findResources('AWS::IAM::Role')).find((k) => k.startsWith(prefix));
  assert.ok(id, `no role ${prefix}`);
  return id;
}

interface LifecycleRule {
  Status: string;
  ExpirationInDays?: number;
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}

function lifecycleRules(t: Template, bucketName: string): LifecycleRule[] {
  const [bucket] = Object.values(t.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }));
  assert.ok(bucket, `no bucket ${bucketName}`);
  return (bucket as { Properties: { LifecycleConfiguration?: { Rules: LifecycleRule[] } } }).Properties.LifecycleConfiguration?.Rules ?? [];
}

function userDataText(resource: unknown): string {
  return JSON.stringify(resource);
}

describe('CDK stack', () => {
  test('the request queue holds 1 KB messages and redrives to the dead-letter queue after 3 receives', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const dlq = Object.keys(template.findResources('AWS::SQS::Queue', { Properties: { QueueName: 'sf-test-req-dlq' } }));
    assert.equal(dlq.length, 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'sf-test-req-queue',
      MaximumMessageSize: 1024,
      VisibilityTimeout: 30,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq[0], 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'sf-test-req-dlq', MaximumMessageSize: 1024, SqsManagedSseEnabled: true });
    // enforceSSL: a queue policy denying requests without TLS.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('retention: lifecycle rules expire uploads and labels after the days given, and nothing without them', () => {
    const expiry = (t: Template, name: string) => lifecycleRules(t, name).filter((rule) => rule.ExpirationInDays !== undefined).map((rule) => [rule.ExpirationInDays, rule.Status]);
    const kept = synth({ inputTtlDays: 7, outputTtlDays: 30 });
    assert.deepEqual(expiry(kept, 'sf-test-in-bucket'), [[7, 'Enabled']]);
    assert.deepEqual(expiry(kept, 'sf-test-out-bucket'), [[30, 'Enabled']]);
    assert.deepEqual(expiry(kept, 'sf-test-gallery'), [], 'enrolled photos are never expired');
    assert.deepEqual(expiry(template, 'sf-test-in-bucket'), [], 'off by default');
  });

  test('every bucket aborts multipart uploads left incomplete after a day, with or without retention', () => {
    const kept = synth({ inputTtlDays: 7, outputTtlDays: 30 });
    for (const t of [template, kept]) {
      for (const name of ['sf-test-in-bucket', 'sf-test-out-bucket', 'sf-test-gallery', 'sf-test-control']) {
        const abort = lifecycleRules(t, name).filter((rule) => rule.AbortIncompleteMultipartUpload !== undefined);
        assert.deepEqual(abort.map((rule) => [rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation, rule.Status]), [[1, 'Enabled']], name);
      }
    }
  });

  test('the four buckets are private, encrypted with S3-managed keys and TLS-only', () => {
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { BucketName: Match.stringLikeRegexp('^sf-test-') } });
    const names = Object.values(buckets).map((b) => (b as { Properties: { BucketName: string } }).Properties.BucketName).sort();
    assert.deepEqual(names, ['sf-test-control', 'sf-test-gallery', 'sf-test-in-bucket', 'sf-test-out-bucket']);
    for (const bucket of Object.values(buckets)) {
      const props = (bucket as { Properties: Record<string, unknown> }).Properties;
      assert.deepEqual(props.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.deepEqual(props.BucketEncryption, { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    }
    const tlsOnly = template.findResources('AWS::S3::BucketPolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } },
    });
    assert.equal(Object.keys(tlsOnly).length, 4);
  });

  test('no queue or bucket action of either role is allowed on every resource', () => {
    const statements = roleStatements(template);
    assert.ok(statements.length > 10);
    for (const { statement } of statements) {
      const dataActions = actionsOf(statement).filter((a) => a.startsWith('sqs:') || a.startsWith('s3:'));
      if (dataActions.length === 0) continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      assert.ok(!resources.includes('*'), `${dataActions.join(',')} allowed on *`);
    }
    const wildcard = statements.filter(({ statement }) => statement.Resource === '*').flatMap(({ statement }) => actionsOf(statement));
    // DescribeInstances (web) and Session Manager's channel actions (both roles) have no resource-level permissions.
    const session = ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];
    assert.deepEqual([...new Set(wildcard)].sort(), ['ec2:DescribeInstances', ...session].sort());
  });

  test('the app tier may not create queues or run instances; the autoscaler runs and ends only tagged instances', () => {
    const app = roleId(template, 'AppTierRole');
    const web = roleId(template, 'AutoscalerRole');
    const appActions = roleStatements(template).filter((s) => s.role === app).flatMap((s) => actionsOf(s.statement));
    for (const forbidden of ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes', 'ec2:RunInstances', 'ec2:TerminateInstances', 'iam:PassRole']) {
      assert.ok(!appActions.includes(forbidden), `app tier has ${forbidden}`);
    }
    const appDeletes = roleStatements(template).filter((s) => s.role === app && actionsOf(s.statement).includes('s3:DeleteObject'));
    assert.match(JSON.stringify(appDeletes.map((s) => s.statement.Resource)), /heartbeats\/\*/);
    assert.equal(appDeletes.length, 1);
    const webStatements = roleStatements(template).filter((s) => s.role === web).map((s) => s.statement);
    const terminate = webStatements.find((s) => actionsOf(s).includes('ec2:TerminateInstances'));
    assert.deepEqual(terminate?.Condition, { StringEquals: { 'aws:ResourceTag/scaleface:role': 'app-tier', 'aws:ResourceTag/scaleface:prefix': 'sf-test' } });
    const runTagged = webStatements.find((s) => actionsOf(s).includes('ec2:RunInstances') && s.Condition !== undefined);
    assert.deepEqual(runTagged?.Condition, { StringEquals: { 'aws:RequestTag/scaleface:role': 'app-tier', 'aws:RequestTag/scaleface:prefix': 'sf-test' } });
    const passRole = webStatements.find((s) => actionsOf(s).includes('iam:PassRole'));
    assert.deepEqual(passRole?.Resource, { 'Fn::GetAtt': [app, 'Arn'] });
    const deletes = webStatements.filter((s) => actionsOf(s).includes('sqs:DeleteQueue'));
    assert.equal(deletes.length, 1);
    assert.match(JSON.stringify(deletes[0]?.Resource), /sf-test-resp-queue-\*/);
  });

  test('the launch template starts `scaleface worker` named after its tag, with IMDSv2 and tags in metadata', () => {
    // (The web instance gets a launch template of its own from the CDK, for IMDSv2.)
    const templates = template.findResources('AWS::EC2::LaunchTemplate', { Properties: { LaunchTemplateName: 'sf-test-app-tier' } });
    assert.equal(Object.keys(templates).length, 1);
    const [launchTemplate] = Object.values(templates) as { Properties: { LaunchTemplateData: Record<string, unknown> } }[];
    const data = launchTemplate?.Properties.LaunchTemplateData ?? {};
    assert.deepEqual(data.MetadataOptions, { HttpTokens: 'required', InstanceMetadataTags: 'enabled' });
    assert.ok(data.IamInstanceProfile, 'no instance profile');
    const script = userDataText(data.UserData);
    assert.match(script, /main\.js worker --name \$NAME/);
    assert.match(script, /PACKAGES\+=\(nodejs22 nodejs22-npm\)/);
    assert.match(script, /ONNXRUNTIME_NODE_INSTALL=skip \\"\$NPM\\" ci --omit=dev/);
    assert.match(script, /SCALEFACE_QUEUE=sqs/);
    assert.match(script, /SCALEFACE_STORAGE=s3/);
    assert.doesNotMatch(script, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
  });
});
