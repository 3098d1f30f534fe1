/**
 * Scaleface on AWS: the request queue and its dead-letter queue, the four buckets, a VPC with public
 * subnets only (no NAT to pay for), least-privilege roles for the web and app tiers, the app tier's launch
 * template (the web tier's autoscaler runs and terminates instances from it) and the web instance(s),
 * behind an Application Load Balancer when there are several.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { InstanceTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { InstanceProfile, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceNames } from '../src/config/names.js';
import { grantAppTier, grantWebTier, type DeploymentResources } from './iam.js';
import { scalefaceUserData } from './user-data.js';

export interface ScalefaceStackProps extends StackProps {
  /** Prefix of every queue and bucket (bucket names are global: make it unique, e.g. `sf-<your-name>`). */
  readonly prefix: string;
  /** Who may reach the web tier, e.g. `203.0.113.7/32`. */
  readonly allowedCidr: string;
  /** The project folder, built (`npm run build`): shipped to the instances as an asset. */
  readonly projectDir: string;
  readonly appInstanceType?: string;
  readonly webInstanceType?: string;
  /** Web instances (default 1); more than one puts an Application Load Balancer in front. */
  readonly webInstances?: number;
  /** Most app-tier instances the autoscaler runs (default 20). */
  readonly maxInstances?: number;
  /** Must match the app's queue.visibilityTimeoutSeconds and queue.maxReceiveCount (defaults 30 and 3). */
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /** Days after which S3 deletes uploaded images / stored labels (default: kept), as `retention` does locally. */
  readonly inputTtlDays?: number;
  readonly outputTtlDays?: number;
}

export const WEB_PORT = 8000;
/** Request messages are small JSON references to the uploaded object, never image bytes. */
export const MAX_MESSAGE_BYTES = 1024;
const CODE_EXCLUDES = ['node_modules', '.git', 'cdk.out', 'data', 'test-artifacts', 'bench/results', 'dist/test', 'dist/bench', '*.log'];

export class ScalefaceStack extends Stack {
  readonly resources: DeploymentResources;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly webInstances: ec2.Instance[];
  readonly appRole: Role;
  readonly webRole: Role;

  constructor(scope: Construct, id: string, props: ScalefaceStackProps) {
    super(scope, id, props);
    this.resources = this.createQueuesAndBuckets(props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    const code = new Asset(this, 'Code', { path: props.projectDir, exclude: CODE_EXCLUDES });
    const ssm = ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore');
    this.appRole = new Role(this, 'AppTierRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com'), managedPolicies: [ssm] });
    this.webRole = new Role(this, 'WebTierRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com'), managedPolicies: [ssm] });
    code.grantRead(this.appRole);
    code.grantRead(this.webRole);
    grantAppTier(this.appRole, this.resources);

    this.launchTemplate = this.createLaunchTemplate(props, vpc, code);
    grantWebTier(this.webRole, this.resources, this.appRole, this.launchTemplate.launchTemplateId ?? '');
    this.webInstances = this.createWebTier(props, vpc, code);
    new CfnOutput(this, 'LaunchTemplateId', { value: this.launchTemplate.launchTemplateId ?? '' });
    new CfnOutput(this, 'RequestQueueUrl', { value: this.resources.requestQueue.queueUrl });
  }

  private createQueuesAndBuckets(props: ScalefaceStackProps): DeploymentResources {
    const names = resourceNames({ prefix: props.prefix });
    const visibilityTimeout = Duration.seconds(props.visibilityTimeoutSeconds ?? 30);
    const queueDefaults = {
      visibilityTimeout,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    };
    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...queueDefaults,
      queueName: names.deadLetterQueue,
      retentionPeriod: Duration.days(14),
    });
    const requestQueue = new Queue(this, 'RequestQueue', {
      ...queueDefaults,
      queueName: names.requestQueue,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    const bucket = (id: string, bucketName: string, ttlDays?: number) =>
      new Bucket(this, id, {
        ...(ttlDays === undefined ? {} : { lifecycleRules: [{ id: 'retention', expiration: Duration.days(ttlDays) }] }),
        bucketName,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        // `cdk destroy` deletes the buckets once they are empty (see docs/aws.md).
        removalPolicy: RemovalPolicy.DESTROY,
      });
    return {
      prefix: props.prefix,
      requestQueue,
      deadLetterQueue,
      inputBucket: bucket('InputBucket', names.inputBucket, props.inputTtlDays),
      outputBucket: bucket('OutputBucket', names.outputBucket, props.outputTtlDays),
      galleryBucket: bucket('GalleryBucket', names.galleryBucket),
      controlBucket: bucket('ControlBucket', names.controlBucket),
    };
  }

  private createLaunchTemplate(props: ScalefaceStackProps, vpc: ec2.IVpc, code: Asset): ec2.LaunchTemplate {
    const securityGroup = new ec2.SecurityGroup(this, 'AppTierSecurityGroup', {
      vpc,
      description: 'App tier: no inbound traffic; outbound to SQS, S3 and the package registry',
      allowAllOutbound: true,
    });
    const instanceProfile = new InstanceProfile(this, 'AppTierInstanceProfile', { role: this.appRole });
    return new ec2.LaunchTemplate(this, 'AppTierLaunchTemplate', {
      launchTemplateName: `${props.prefix}-app-tier`,
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      instanceType: new ec2.InstanceType(props.appInstanceType ?? 't3.medium'),
      instanceProfile,
      securityGroup,
      requireImdsv2: true,
      // The worker names itself after its Name tag, read from instance metadata.
      instanceMetadataTags: true,
      userData: scalefaceUserData({
        prefix: props.prefix,
        code,
        env: {},
        command: 'worker --name $NAME',
        serviceName: 'scaleface-worker',
      }),
    });
  }

  private createWebTier(props: ScalefaceStackProps, vpc: ec2.Vpc, code: Asset): ec2.Instance[] {
    const securityGroup = new ec2.SecurityGroup(this, 'WebTierSecurityGroup', { vpc, description: 'Web tier', allowAllOutbound: true });
    securityGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(WEB_PORT), 'Scaleface HTTP');
    const count = Math.max(1, props.webInstances ?? 1);
    const instances = Array.from({ length: count }, (_, index) =>
      new ec2.Instance(this, `WebInstance${index + 1}`, {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        instanceType: new ec2.InstanceType(props.webInstanceType ?? 't3.small'),
        machineImage: ec2.MachineImage.latestAmazonLinux2023(),
        role: this.webRole,
        securityGroup,
        requireImdsv2: true,
        userData: scalefaceUserData({
          prefix: props.prefix,
          code,
          env: this.webEnv(props, vpc, index === 0),
          command: 'up',
          serviceName: 'scaleface-web',
        }),
      }),
    );
    instances.forEach((instance, index) =>
      new CfnOutput(this, `WebUrl${index + 1}`, { value: `http://${instance.instancePublicDnsName}:${WEB_PORT}/` }),
    );
    if (count > 1) this.createLoadBalancer(props, vpc, securityGroup, instances);
    return instances;
  }

  private webEnv(props: ScalefaceStackProps, vpc: ec2.Vpc, runsAutoscaler: boolean): Record<string, string> {
    return {
      SCALEFACE_COMPUTE: 'ec2',
      SCALEFACE_EC2_LAUNCH_TEMPLATE_ID: this.launchTemplate.launchTemplateId ?? '',
      SCALEFACE_EC2_SUBNET_ID: vpc.publicSubnets[0]?.subnetId ?? '',
      SCALEFACE_MAX_INSTANCES: String(props.maxInstances ?? 20),
      SCALEFACE_HOST: '0.0.0.0',
      SCALEFACE_PORT: String(WEB_PORT),
      // One autoscaler per deployment: only the first web instance drives the app tier.
      SCALEFACE_AUTOSCALER: runsAutoscaler ? 'on' : 'off',
    };
  }

  private createLoadBalancer(props: ScalefaceStackProps, vpc: ec2.Vpc, webGroup: ec2.SecurityGroup, instances: ec2.Instance[]): void {
    const albGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', { vpc, description: 'Load balancer', allowAllOutbound: true });
    albGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(80), 'HTTP');
    webGroup.addIngressRule(albGroup, ec2.Port.tcp(WEB_PORT), 'From the load balancer');
    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: albGroup,
      // A request waits for its answer (replyTimeoutMs, 60 s by default) on one connection.
      idleTimeout: Duration.seconds(120),
    });
    alb.addListener('Http', { port: 80 }).addTargets('WebTier', {
      port: WEB_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: instances.map((instance) => new InstanceTarget(instance, WEB_PORT)),
      healthCheck: { path: '/healthz' },
    });
    new CfnOutput(this, 'LoadBalancerUrl', { value: `http://${alb.loadBalancerDnsName}/` });
  }
}
