/**
 * The stack's resources created in the emulator by its administrator, as CloudFormation would create them
 * (queues with their redrive, buckets, two subnets, the app tier's security group, instance profile and
 * launch template), then one user per tier holding exactly its role's statements.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLaunchTemplateCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, EC2Client, type LaunchTemplateTagSpecificationRequest } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { resourceNames } from '../../src/config/names.js';
import { ACCOUNT, REGION, type IamEmulator, type Keys } from './emulator.js';
import { appTierTemplate, fakeProject, synthStack, type Statement, type Synthesized } from '../aws/cdk-fixture.js';
import { bootEnv, logicalIds, resolver, tierStatements, type PhysicalIds, type Tier } from './deployed-roles.js';

export const PREFIX = 'sf-iam';
const TIERS: Tier[] = ['web', 'autoscaler', 'app'];

export interface Deployment {
  readonly stack: Synthesized;
  readonly ids: PhysicalIds;
  readonly statements: Record<Tier, Statement[]>;
  readonly keys: Record<Tier | 'admin', Keys>;
  readonly bootEnv: Record<Tier, Record<string, string>>;
  readonly admin: { sqs: SQSClient; s3: S3Client; ec2: EC2Client };
}

async function createQueuesAndBuckets(sqs: SQSClient, s3: S3Client): Promise<void> {
  const names = resourceNames({ prefix: PREFIX });
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: names.deadLetterQueue }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
  await sqs.send(new CreateQueueCommand({ QueueName: names.requestQueue, Attributes: { RedrivePolicy, VisibilityTimeout: '30' } }));
  for (const bucket of [names.inputBucket, names.outputBucket, names.galleryBucket, names.controlBucket]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** The network and the app tier's launch template; returns the physical ids by logical id. */
async function createAppTier(emulator: IamEmulator, ec2: EC2Client, stack: Synthesized): Promise<PhysicalIds> {
  const ids: PhysicalIds = {};
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  for (const [n, id] of logicalIds(stack, 'AWS::EC2::Subnet').entries()) {
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.0.${n}.0/24`, AvailabilityZone: `${REGION}${'ab'[n] ?? 'c'}` }));
    ids[id] = subnet.Subnet?.SubnetId ?? '';
  }
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app-tier', Description: 'app tier', VpcId: vpc }));
  for (const id of logicalIds(stack, 'AWS::EC2::SecurityGroup')) ids[`${id}.GroupId`] = group.GroupId ?? '';
  for (const id of logicalIds(stack, 'AWS::IAM::Role')) ids[id] = id.replace(/[0-9A-F]{8}$/, '');
  const roleId = logicalIds(stack, 'AWS::IAM::Role').find((id) => id.startsWith('AppTierRole')) ?? '';
  const profileArn = await emulator.instanceProfile(ids[roleId] ?? roleId);
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.find((i) => i.Architecture === 'x86_64')?.ImageId;
  const template = appTierTemplate(stack.template);
  const tags = resolver(stack.template, ids)(template.data.TagSpecifications ?? []) as LaunchTemplateTagSpecificationRequest[];
  const created = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${PREFIX}-app-tier`,
      LaunchTemplateData: { ImageId: image, InstanceType: 't3.medium', IamInstanceProfile: { Arn: profileArn }, SecurityGroupIds: [group.GroupId ?? ''], TagSpecifications: tags },
    }),
  );
  ids[template.id] = created.LaunchTemplate?.LaunchTemplateId ?? '';
  return ids;
}

/** Synthesizes the stack, creates its resources and the tiers' users; IAM is enforced from then on. */
export async function deploy(emulator: IamEmulator): Promise<Deployment> {
  const dir = await mkdtemp(join(tmpdir(), 'scaleface-iam-stack-'));
  const stack = synthStack(join(dir, 'out'), 'Iam', { prefix: PREFIX, amiId: 'ami-0123456789abcdef0', projectDir: await fakeProject(dir), env: { account: ACCOUNT, region: REGION } });
  const clients = emulator.admin();
  const admin = { sqs: new SQSClient(clients), s3: new S3Client(clients), ec2: new EC2Client(clients) };
  await createQueuesAndBuckets(admin.sqs, admin.s3);
  const ids = await createAppTier(emulator, admin.ec2, stack);
  const statements = Object.fromEntries(TIERS.map((t) => [t, tierStatements(stack, t, ids)])) as Record<Tier, Statement[]>;
  const keys = { admin: await emulator.principal('admin', [{ Effect: 'Allow', Action: '*', Resource: '*' }]) } as Record<Tier | 'admin', Keys>;
  for (const tier of TIERS) keys[tier] = await emulator.principal(tier, statements[tier]);
  await emulator.enforce();
  const asAdmin = { ...clients, credentials: keys.admin };
  return {
    stack,
    ids,
    statements,
    keys,
    bootEnv: Object.fromEntries(TIERS.map((t) => [t, bootEnv(stack, t, ids)])) as Record<Tier, Record<string, string>>,
    admin: { sqs: new SQSClient(asAdmin), s3: new S3Client(asAdmin), ec2: new EC2Client(asAdmin) },
  };
}
