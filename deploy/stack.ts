/**
 * Scaleface on AWS: the request queue and its dead-letter queue, the four buckets, a VPC with public
 * subnets only (no NAT to pay for), least-privilege roles for the web and app tiers, the app tier's launch
 * template (the web tier's autoscaler runs and terminates instances from it) and the web instance(s),
 * behind an Application Load Balancer when there are several.
 */
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { InstanceTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { InstanceProfile, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceNames } from '../src/config/names.js';
import { grantAppTier, grantSessionManager, grantTokenRead, grantWebTier, type DeploymentResources } from './iam.js';
import { codeAsset } from './code-asset.js';
import { createLogGroups, grantLogWrite, logGroupName, type LogGroups } from './logs.js';
import { acknowledgeNagFindings } from './nag.js';
import { addBootScript } from './user-data.js';

export interface ScalefaceStackProps extends StackProps {
  /** Prefix of every queue and bucket (bucket names are global: make it unique, e.g. `sf-<your-name>`). */
  readonly prefix: string;
  /** Who may reach the web tier, e.g. `203.0.113.7/32`; without it nobody can (a warning says so). */
  readonly allowedCidr?: string;
  /**
   * AMI of every instance. Default: the latest Amazon Linux 2023, looked up once and kept in the CDK context
   * (cdk.context.json) when the stack has an account and region, so that a later deploy does not replace the
   * web instance because a newer image came out.
   */
  readonly amiId?: string;
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
  /** Days CloudWatch Logs keeps the instances' logs (default 14; one of the values CloudWatch Logs accepts). */
  readonly logRetentionDays?: number;
  /**
   * SSM parameter (SecureString) holding the web tier's bearer token, read at boot (default
   * `/scaleface/<prefix>/auth-token`); when it is missing the web tier runs without a token.
   */
  readonly tokenParameter?: string;
}

export const WEB_PORT = 8000;
/** Request messages are small JSON references to the uploaded object, never image bytes. */
export const MAX_MESSAGE_BYTES = 1024;
/** How long CloudFormation waits for a web instance to answer /healthz (install included). */
const WEB_READY_TIMEOUT = 'PT20M';

export class ScalefaceStack extends Stack {
  readonly resources: DeploymentResources;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly webInstances: ec2.Instance[];
  readonly appRole: Role;
  readonly webRole: Role;
  readonly machineImage: ec2.IMachineImage;
  readonly logGroups: LogGroups;
  /** Name of the SSM parameter holding the web tier's bearer token. */
  readonly tokenParameter: string;

  constructor(scope: Construct, id: string, props: ScalefaceStackProps) {
    super(scope, id, props);
    this.resources = this.createQueuesAndBuckets(props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    const code = codeAsset(this, 'Code', props.projectDir);
    this.machineImage = this.pinnedImage(props);
    this.appRole = new Role(this, 'AppTierRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    this.webRole = new Role(this, 'WebTierRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    for (const role of [this.appRole, this.webRole]) grantSessionManager(role);
    code.grantRead(this.appRole);
    code.grantRead(this.webRole);
    grantAppTier(this.appRole, this.resources);
    this.logGroups = createLogGroups(this, props.prefix, props.logRetentionDays);
    grantLogWrite(this.webRole, [this.logGroups.web, this.logGroups.boot]);
    grantLogWrite(this.appRole, [this.logGroups.appTier, this.logGroups.boot]);
    this.tokenParameter = props.tokenParameter ?? `/scaleface/${props.prefix}/auth-token`;
    grantTokenRead(this.webRole, this.tokenParameter);

    this.launchTemplate = this.createLaunchTemplate(props, vpc, code);
    grantWebTier(this.webRole, this.resources, this.appRole, this.launchTemplate.launchTemplateId ?? '');
    this.webInstances = this.createWebTier(props, vpc, code);
    new CfnOutput(this, 'LaunchTemplateId', { value: this.launchTemplate.launchTemplateId ?? '' });
    new CfnOutput(this, 'RequestQueueUrl', { value: this.resources.requestQueue.queueUrl });
    acknowledgeNagFindings(this);
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

  /** One image for both tiers, fixed at synthesis (see `amiId`). */
  private pinnedImage(props: ScalefaceStackProps): ec2.IMachineImage {
    const amiId = props.amiId;
    if (amiId !== undefined) {
      return { getImage: () => ({ imageId: amiId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }) };
    }
    if (!Token.isUnresolved(this.account) && !Token.isUnresolved(this.region)) {
      return ec2.MachineImage.latestAmazonLinux2023({ cachedInContext: true });
    }
    Annotations.of(this).addWarningV2(
      'scaleface:unpinnedAmi',
      'No account and region (no AWS credentials?) and no -c amiId: the AMI is resolved at every deploy, so a newer Amazon Linux replaces the instances',
    );
    return ec2.MachineImage.latestAmazonLinux2023();
  }

  private createLaunchTemplate(props: ScalefaceStackProps, vpc: ec2.IVpc, code: Asset): ec2.LaunchTemplate {
    const securityGroup = new ec2.SecurityGroup(this, 'AppTierSecurityGroup', {
      vpc,
      description: 'App tier: no inbound traffic; outbound to SQS, S3 and the package registry',
      allowAllOutbound: true,
    });
    const instanceProfile = new InstanceProfile(this, 'AppTierInstanceProfile', { role: this.appRole });
    const instanceType = new ec2.InstanceType(props.appInstanceType ?? 't3.medium');
    const userData = ec2.UserData.forLinux();
    addBootScript(userData, code, {
      prefix: props.prefix,
      env: {},
      command: 'worker --name $NAME',
      serviceName: 'scaleface-worker',
      logs: { serviceGroup: logGroupName(props.prefix, 'app-tier'), bootGroup: logGroupName(props.prefix, 'boot') },
    });
    const template = new ec2.LaunchTemplate(this, 'AppTierLaunchTemplate', {
      // Unique per prefix; the web instances' own templates get unique names from the feature flag
      // @aws-cdk/aws-ec2:uniqueImdsv2TemplateName (deploy/cdk.json).
      launchTemplateName: `${props.prefix}-app-tier`,
      machineImage: this.machineImage,
      instanceType,
      // Standard credits: a busy worker is throttled to its baseline instead of billed for surplus credits.
      ...(instanceType.isBurstable() ? { cpuCredits: ec2.CpuCredits.STANDARD } : {}),
      instanceProfile,
      securityGroup,
      requireImdsv2: true,
      // A worker left unattended (no work, no live autoscaler) shuts its machine down: that must end the
      // instance and its bill, not leave a stopped one.
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.TERMINATE,
      // The worker names itself after its Name tag, read from instance metadata.
      instanceMetadataTags: true,
      userData,
    });
    this.logGroups.dependOn(template);
    return template;
  }

  private createWebTier(props: ScalefaceStackProps, vpc: ec2.Vpc, code: Asset): ec2.Instance[] {
    const securityGroup = new ec2.SecurityGroup(this, 'WebTierSecurityGroup', { vpc, description: 'Web tier', allowAllOutbound: true });
    if (props.allowedCidr !== undefined) {
      securityGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(WEB_PORT), 'Scaleface HTTP');
    } else {
      Annotations.of(this).addWarningV2('scaleface:noAllowedCidr', 'No -c allowedCidr: the web tier accepts no inbound traffic');
    }
    const count = Math.max(1, props.webInstances ?? 1);
    const instanceType = new ec2.InstanceType(props.webInstanceType ?? 't3.small');
    const instances = Array.from({ length: count }, (_, index) => {
      const userData = ec2.UserData.forLinux();
      const instance = new ec2.Instance(this, `WebInstance${index + 1}`, {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        instanceType,
        ...(instanceType.isBurstable() ? { creditSpecification: ec2.CpuCredits.STANDARD } : {}),
        machineImage: this.machineImage,
        role: this.webRole,
        securityGroup,
        requireImdsv2: true,
        userData,
        // cloud-init runs the boot script once: new code or settings need a new instance.
        userDataCausesReplacement: true,
      });
      // Filled after the instance exists: the script signals the instance's own CreationPolicy.
      addBootScript(userData, code, {
        prefix: props.prefix,
        env: this.webEnv(props, vpc, index === 0),
        command: 'up',
        serviceName: 'scaleface-web',
        logs: { serviceGroup: logGroupName(props.prefix, 'web'), bootGroup: logGroupName(props.prefix, 'boot') },
        tokenParameter: this.tokenParameter,
        readiness: { port: WEB_PORT, stackName: this.stackName, logicalId: instance.instance.logicalId, region: this.region },
      });
      this.logGroups.dependOn(instance);
      instance.instance.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: WEB_READY_TIMEOUT } };
      return instance;
    });
    instances.forEach((instance, index) =>
      new CfnOutput(this, `WebUrl${index + 1}`, { value: `http://${instance.instancePublicDnsName}:${WEB_PORT}/` }),
    );
    if (count > 1) this.createLoadBalancer(props, vpc, securityGroup, instances);
    return instances;
  }

  private webEnv(props: ScalefaceStackProps, vpc: ec2.Vpc, runsAutoscaler: boolean): Record<string, string> {
    return {
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
    if (props.allowedCidr !== undefined) albGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(80), 'HTTP');
    webGroup.addIngressRule(albGroup, ec2.Port.tcp(WEB_PORT), 'From the load balancer');
    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: albGroup,
      // A request waits for its answer (replyTimeoutMs, 60 s by default) on one connection.
      idleTimeout: Duration.seconds(120),
    });
    // open: false, or the listener opens the load balancer to 0.0.0.0/0 whatever allowedCidr says.
    alb.addListener('Http', { port: 80, open: false }).addTargets('WebTier', {
      port: WEB_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: instances.map((instance) => new InstanceTarget(instance, WEB_PORT)),
      healthCheck: { path: '/healthz' },
    });
    new CfnOutput(this, 'LoadBalancerUrl', { value: `http://${alb.loadBalancerDnsName}/` });
  }
}
