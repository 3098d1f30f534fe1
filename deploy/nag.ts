/**
 * cdk-nag (AwsSolutions) findings this deployment accepts, each with its reason. cdk-nag 3 has no
 * NagSuppressions: findings are acknowledged with CDK's Validations API, one finding id at a time.
 * test/aws/cdk-nag.test.ts fails on any finding not acknowledged here.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DeploymentResources } from './iam.js';

/** What of ScalefaceStack (stack.ts) the findings are acknowledged on; stack.ts calls in with itself. */
export interface NaggedStack extends Stack {
  readonly resources: DeploymentResources;
  readonly webTier: { readonly group: IConstruct };
  readonly autoscalerGroup: IConstruct;
  readonly appRole: IConstruct;
  readonly webRole: IConstruct;
  readonly autoscalerRole: IConstruct;
}

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag spells the stack's account and region inside a finding id. */
function where(stack: Stack): { account: string; region: string } {
  return {
    account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
  };
}

export function acknowledgeNagFindings(stack: NaggedStack): void {
  const { account, region } = where(stack);
  const r = stack.resources;
  // S1: access logs would need a fifth bucket per deployment; requests are traced in the app's own logs.
  for (const bucket of [r.inputBucket, r.outputBucket, r.galleryBucket, r.controlBucket]) {
    ack(bucket, 'AwsSolutions-S1', 'Server access logs not kept: the service logs every request itself and a log bucket per deployment is not wanted for this workload');
  }
  // VPC7: flow logs cost CloudWatch ingestion; the VPC holds only this service's instances.
  ack(stack.node.findChild('Vpc'), 'AwsSolutions-VPC7', 'No flow logs: the VPC holds only Scaleface instances with no inbound traffic but the web port from allowedCidr');
  for (const group of [stack.webTier.group, stack.autoscalerGroup]) {
    // AS3: notifications need an SNS topic and a subscriber; the activity history and the logs say the same.
    ack(group, 'AwsSolutions-AS3', 'No scaling notifications: the group activity history and the CloudWatch Logs of each instance record every launch and termination');
  }
  const alb = stack.node.tryFindChild('LoadBalancer');
  // ELB2: access logs need a log bucket with an ELB policy; the web tier logs each request.
  if (alb) ack(alb, 'AwsSolutions-ELB2', 'No ALB access logs: every request is logged by the web tier behind it');
  for (const role of [stack.appRole, stack.webRole, stack.autoscalerRole]) {
    const policy = role.node.findChild('DefaultPolicy');
    const iam5 = (finding: string, reason: string) => ack(policy, `AwsSolutions-IAM5[${finding}]`, reason);
    // Session Manager's five actions (deploy/iam.ts grantSessionManager) have no resource-level permissions.
    iam5('Resource::*', 'Session Manager (ssm:UpdateInstanceInformation, ssmmessages:*Channel) supports no resource-level permissions; on the web and autoscaler roles also ec2:DescribeInstances, which has none either');
    const assetReason = 'Read access to the CDK asset bucket for the code zip, as granted by Asset.grantRead';
    iam5(`Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`, assetReason);
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*']) iam5(`Action::${action}`, `${assetReason} (read-only actions on that bucket)`);
    iam5(`Resource::arn:<AWS::Partition>:sqs:${region}:${account}:${r.prefix}-resp-queue-*`, 'Reply queues are created at run time, one per web instance, all named <prefix>-resp-queue-<id>');
    for (const [bucket, logicalId] of [[r.inputBucket, 'InputBucket'], [r.outputBucket, 'OutputBucket'], [r.galleryBucket, 'GalleryBucket']] as const) {
      iam5(`Resource::<${stack.getLogicalId(bucket.node.defaultChild as never)}.Arn>/*`, `Objects of the ${logicalId} have run-time keys (one per upload, label or photo)`);
    }
    const control = stack.getLogicalId(r.controlBucket.node.defaultChild as never);
    iam5(`Resource::<${control}.Arn>/heartbeats/*`, 'Heartbeat objects are named after instances that exist only at run time');
    iam5(`Resource::<${control}.Arn>/web/*`, 'Liveness objects are named after web processes that exist only at run time');
    iam5(`Resource::<${control}.Arn>/jobs/*`, 'Job records are named after jobs made at run time');
    iam5(`Resource::<${control}.Arn>/uploads/*`, 'Staged job images are named after jobs made at run time');
    iam5(`Resource::<${stack.getLogicalId(r.inputBucket.node.defaultChild as never)}.Arn>/aws-check/*`, 'scaleface aws check deletes only its own probe objects, named at run time');
    iam5(`Resource::arn:<AWS::Partition>:sqs:${region}:${account}:*`, 'sqs:ListQueues is authorized on the account and region only; IAM cannot narrow it to a name prefix (the call passes QueueNamePrefix)');
  }
  const launcherPolicy = stack.autoscalerRole.node.findChild('DefaultPolicy');
  for (const type of ['instance', 'network-interface', 'security-group', 'subnet', 'volume']) {
    ack(launcherPolicy, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${region}:${account}:${type}/*]`,
      `RunInstances creates or uses a ${type} whose id is not known before launch; instance actions are limited to our tags by conditions`);
  }
  ack(launcherPolicy, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${region}::image/*]`, 'The AMI is an Amazon-owned public image chosen at synthesis');
}
