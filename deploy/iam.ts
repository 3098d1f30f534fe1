/**
 * Least-privilege policies of the web tier, the app tier and the autoscaler (only it may launch and end
 * instances). Every queue and bucket statement names its resources (bucket objects by the key prefix the
 * process writes); the only wildcards IAM cannot narrow are ec2:DescribeInstances and Session Manager's channel
 * actions (`*`) and sqs:ListQueues (every queue of the account and region). EC2 actions on instances are
 * allowed only for instances tagged as this deployment's app tier. test/iam/ runs every process under exactly
 * these statements on an emulator that enforces them.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IRole, type Role } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { APP_TIER_ROLE, PREFIX_TAG_KEY, ROLE_TAG_KEY } from '../src/adapters/compute/ec2-pool.js';
import { ACCESS_CHECK_PREFIX } from '../src/config/names.js';

export interface DeploymentResources {
  readonly prefix: string;
  readonly requestQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly inputBucket: Bucket;
  readonly outputBucket: Bucket;
  readonly galleryBucket: Bucket;
  readonly controlBucket: Bucket;
}

const HEARTBEATS = 'heartbeats/*';
/** Each web process's liveness object (src/system/reply-queue-reaper.ts), read back by the reaper in every `up`. */
const WEB_LIVENESS = 'web/*';
/** Async jobs written through to the control bucket (src/web/job-records.ts), so any web process answers for them. */
const JOB_RECORDS = 'jobs/*';
/** An async job's image, staged at accept so the job holds no bytes (src/web/recognition-service.ts). */
const STAGED_UPLOADS = 'uploads/*';
const CHECK_PROBES = `${ACCESS_CHECK_PREFIX}*`;
/** The autoscaler's own heartbeat (src/adapters/compute/autoscaler-heartbeat.ts): written by up, read by workers. */
const AUTOSCALER_HEARTBEAT = 'autoscaler/heartbeat.json';

/** ARN pattern of every web instance's reply queue: `<prefix>-resp-queue-*`. */
export function replyQueuesArn(scope: Stack, prefix: string): string {
  return scope.formatArn({ service: 'sqs', resource: `${prefix}-resp-queue-*`, arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

/**
 * Every statement a Scaleface process needs carries a Sid starting with `Scaleface`: the IAM harness
 * (test/iam/) proves each one is used by dropping it and replaying what the processes did.
 */
function allow(sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>): PolicyStatement {
  return new PolicyStatement({ sid: `Scaleface${sid}`, actions, resources, conditions });
}

function allBuckets(r: DeploymentResources): Bucket[] {
  return [r.inputBucket, r.outputBucket, r.galleryBucket, r.controlBucket];
}

/** HeadBucket (ensureBuckets at start-up) and listing the gallery need s3:ListBucket. */
function bucketStatements(r: DeploymentResources): PolicyStatement {
  return allow('ListBuckets', ['s3:ListBucket'], allBuckets(r).map((b) => b.bucketArn));
}

/** ListQueues is authorized on the account's queue wildcard only (IAM cannot scope it to a name prefix). */
function listQueuesArn(scope: Stack): string {
  return scope.formatArn({ service: 'sqs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

/** What `scaleface up` needs: the web tier, its reply queue, the dead-letter notifier and the fleet's status. */
function upStatements(stack: Stack, r: DeploymentResources): PolicyStatement[] {
  return [
    allow('SendRequests', ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'], [r.requestQueue.queueArn]),
    // The dead-letter notifier receives (and hides) dead letters to answer their requesters.
    allow('NotifyDeadLetters', ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'], [r.deadLetterQueue.queueArn]),
    allow(
      'OwnReplyQueue',
      [
        'sqs:CreateQueue',
        'sqs:DeleteQueue',
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
      ],
      [replyQueuesArn(stack, r.prefix)],
    ),
    // The reaper lists the reply queues to find those of dead web processes.
    allow('ListReplyQueues', ['sqs:ListQueues'], [listQueuesArn(stack)]),
    bucketStatements(r),
    allow('StoreUploads', ['s3:PutObject'], [r.inputBucket.arnForObjects('*')]),
    // `aws check` writes and deletes a probe there (ACCESS_CHECK_PREFIX); uploads are never deleted.
    allow('CheckProbeUploads', ['s3:DeleteObject'], [r.inputBucket.arnForObjects(CHECK_PROBES)]),
    allow('ReadLabels', ['s3:GetObject'], [r.outputBucket.arnForObjects('*')]),
    allow('ManageGallery', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [r.galleryBucket.arnForObjects('*')]),
    allow('ReadHeartbeats', ['s3:GetObject'], [r.controlBucket.arnForObjects(HEARTBEATS)]),
    allow('Liveness', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [r.controlBucket.arnForObjects(WEB_LIVENESS)]),
    allow('JobRecords', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [r.controlBucket.arnForObjects(JOB_RECORDS)]),
    allow('StagedUploads', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [r.controlBucket.arnForObjects(STAGED_UPLOADS)]),
    // /v1/status lists the app tier's instances.
    allow('DescribeInstances', ['ec2:DescribeInstances'], ['*']),
  ];
}

/** A web instance: `up` with the autoscaler off. It never launches or ends an instance. */
export function grantWebTier(role: Role, r: DeploymentResources): void {
  for (const statement of upStatements(Stack.of(role), r)) role.addToPolicy(statement);
}

/** The autoscaler's instance: `up` with the autoscaler on, which launches and ends app-tier instances. */
export function grantAutoscaler(role: Role, r: DeploymentResources, appRole: IRole, launchTemplateId: string): void {
  const stack = Stack.of(role);
  const statements = [
    ...upStatements(stack, r),
    allow('AutoscalerHeartbeat', ['s3:PutObject'], [r.controlBucket.arnForObjects(AUTOSCALER_HEARTBEAT)]),
    ...ec2Statements(stack, r.prefix, appRole, launchTemplateId),
  ];
  for (const statement of statements) role.addToPolicy(statement);
}

export function grantAppTier(role: Role, r: DeploymentResources): void {
  const stack = Stack.of(role);
  const statements = [
    allow(
      'TakeRequests',
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
      [r.requestQueue.queueArn],
    ),
    allow('Reply', ['sqs:SendMessage', 'sqs:GetQueueUrl'], [replyQueuesArn(stack, r.prefix)]),
    bucketStatements(r),
    allow('ReadUploads', ['s3:GetObject'], [r.inputBucket.arnForObjects('*')]),
    allow('WriteLabels', ['s3:PutObject'], [r.outputBucket.arnForObjects('*')]),
    allow('ReadGallery', ['s3:GetObject'], [r.galleryBucket.arnForObjects('*')]),
    allow('Heartbeat', ['s3:PutObject', 's3:DeleteObject'], [r.controlBucket.arnForObjects(HEARTBEATS)]),
    allow('ReadAutoscalerHeartbeat', ['s3:GetObject'], [r.controlBucket.arnForObjects(AUTOSCALER_HEARTBEAT)]),
  ];
  for (const statement of statements) role.addToPolicy(statement);
}

function ec2Statements(stack: Stack, prefix: string, appRole: IRole, launchTemplateId: string): PolicyStatement[] {
  const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
  const instances = ec2Arn('instance');
  const ourTags = (kind: 'aws:RequestTag' | 'aws:ResourceTag') => ({
    StringEquals: { [`${kind}/${ROLE_TAG_KEY}`]: APP_TIER_ROLE, [`${kind}/${PREFIX_TAG_KEY}`]: prefix },
  });
  const templateArn = stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: launchTemplateId });
  return [
    // A new instance must carry our tags; the other resources of the launch are the template's.
    allow('LaunchTagged', ['ec2:RunInstances'], [instances], ourTags('aws:RequestTag')),
    allow(
      'LaunchFromTemplate',
      ['ec2:RunInstances'],
      [
        templateArn,
        ec2Arn('subnet'),
        ec2Arn('security-group'),
        ec2Arn('network-interface'),
        ec2Arn('volume'),
        stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
      ],
    ),
    // Tags only while launching: the instance (our tags, the Name) and, from the launch template's
    // TagSpecifications, its volumes.
    allow('TagAtLaunch', ['ec2:CreateTags'], [instances, ec2Arn('volume')], { StringEquals: { 'ec2:CreateAction': 'RunInstances' } }),
    allow('EndOwnInstances', ['ec2:TerminateInstances', 'ec2:StartInstances', 'ec2:StopInstances'], [instances], ourTags('aws:ResourceTag')),
    allow('PassAppTierRole', ['iam:PassRole'], [appRole.roleArn], { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }),
  ];
}

/**
 * The web tier reads its bearer token from this one SecureString parameter. No kms:Decrypt is granted: the
 * AWS-managed key alias/aws/ssm allows decryption through SSM to every principal of the account by its key
 * policy (kms:ViaService ssm.<region>.amazonaws.com); a parameter encrypted with a key of your own needs
 * kms:Decrypt on that key added to the web role.
 */
export function grantTokenRead(role: Role, parameterName: string): void {
  const stack = Stack.of(role);
  const resourceName = parameterName.replace(/^\//, '');
  // The boot script reads it (deploy/boot-extras.ts), not a Scaleface process: no Scaleface Sid.
  role.addToPolicy(new PolicyStatement({ sid: 'BootReadToken', actions: ['ssm:GetParameter'], resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName })] }));
}

/**
 * Session Manager (shell access without SSH) and nothing else of Systems Manager: the five actions AWS lists
 * for a Session Manager-only instance profile. Not AmazonSSMManagedInstanceCore, which also allows
 * ssm:GetParameter(s) on every parameter of the account, the bearer token's included.
 */
export function grantSessionManager(role: Role): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'SessionManager',
      actions: ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
      resources: ['*'],
    }),
  );
}
