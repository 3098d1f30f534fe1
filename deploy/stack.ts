/**
 * Scaleface on AWS: the request queue and its dead-letter queue, the four buckets, a VPC with public
 * subnets in two AZs only (no NAT to pay for), least-privilege roles per tier, the app tier's launch template,
 * the web tier (an Auto Scaling group behind an Application Load Balancer, deploy/web-tier.ts) and the one
 * instance that runs the autoscaler, which launches and ends app-tier instances from the template.
 */
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import type { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { InstanceProfile, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceNames } from '../src/config/names.js';
import { grantAppTier, grantAutoscaler, grantSessionManager, grantTokenRead, grantWebTier, type DeploymentResources } from './iam.js';
import { codeAsset } from './code-asset.js';
import { createLogGroups, grantLogWrite, logGroupName, type LogGroups } from './logs.js';
import { acknowledgeNagFindings } from './nag.js';
import { createServiceGroup, instanceBasics, type ServiceGroupProps } from './service-group.js';
import { addBootScript } from './user-data.js';
import { createWebTier, WEB_PORT, type WebTier } from './web-tier.js';

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
  /**
   * The autoscaler's instance (default t3.small, 2 GiB: its `up` peaks near 120 MiB, but a fresh boot's
   * `npm ci --omit=dev` peaks near 575 MiB, too much beside the OS on a t3.micro's 1 GiB without swap).
   */
  readonly autoscalerInstanceType?: string;
  /** Web instances the web tier's Auto Scaling group keeps (default 1) and may grow to on CPU (default 3). */
  readonly webMinInstances?: number;
  readonly webMaxInstances?: number;
  /** ACM certificate ARN: the load balancer then serves HTTPS on 443 and redirects port 80 to it. */
  readonly certificateArn?: string;
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
  /** The model every tier runs (SCALEFACE_MODEL; default face). */
  readonly model?: ModelKind;
  /**
   * Names the web tier answers to (SCALEFACE_WEB_ALLOWED_HOSTS, comma-separated: the load balancer's DNS name,
   * yours). Default `*`: any, since the load balancer's name is only known after the deploy; the token and
   * allowedCidr guard the web tier there (docs/aws.md).
   */
  readonly allowedHosts?: string;
}

/** Request messages are small JSON references to the uploaded object, never image bytes. */
export const MAX_MESSAGE_BYTES = 1024;

/** The built-in models a deployment may run (`-c model=`); a custom model's folder is not shipped. */
export const MODEL_KINDS = ['face', 'objects'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
/** What a model needs in the code asset beyond the code (the face model's weights come with its npm package). */
const MODEL_FILES: Record<ModelKind, readonly string[]> = { face: [], objects: ['assets/darknet-tiny-imagenet/model.json'] };

export class ScalefaceStack extends Stack {
  readonly resources: DeploymentResources;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly webTier: WebTier;
  /** The Auto Scaling group of exactly one instance that runs the autoscaler. */
  readonly autoscalerGroup: AutoScalingGroup;
  readonly appRole: Role;
  readonly webRole: Role;
  readonly autoscalerRole: Role;
  readonly machineImage: ec2.IMachineImage;
  readonly logGroups: LogGroups;
  /** Name of the SSM parameter holding the web tier's bearer token. */
  readonly tokenParameter: string;
  /** The model every tier runs. */
  readonly model: ModelKind;

  constructor(scope: Construct, id: string, props: ScalefaceStackProps) {
    super(scope, id, props);
    this.resources = this.createQueuesAndBuckets(props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    this.model = props.model ?? 'face';
    const code = codeAsset(this, 'Code', props.projectDir, MODEL_FILES[this.model]);
    this.machineImage = this.pinnedImage(props);
    const role = (roleId: string) => new Role(this, roleId, { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    this.appRole = role('AppTierRole');
    this.webRole = role('WebTierRole');
    this.autoscalerRole = role('AutoscalerRole');
    for (const each of [this.appRole, this.webRole, this.autoscalerRole]) {
      grantSessionManager(each);
      code.grantRead(each);
    }
    this.logGroups = createLogGroups(this, props.prefix, props.logRetentionDays);
    grantLogWrite(this.webRole, [this.logGroups.web, this.logGroups.boot]);
    grantLogWrite(this.appRole, [this.logGroups.appTier, this.logGroups.boot]);
    grantLogWrite(this.autoscalerRole, [this.logGroups.autoscaler, this.logGroups.boot]);
    this.tokenParameter = props.tokenParameter ?? `/scaleface/${props.prefix}/auth-token`;
    grantTokenRead(this.webRole, this.tokenParameter);

    this.launchTemplate = this.createLaunchTemplate(props, vpc, code);
    grantAppTier(this.appRole, this.resources);
    grantWebTier(this.webRole, this.resources);
    grantAutoscaler(this.autoscalerRole, this.resources, this.appRole, this.launchTemplate.launchTemplateId ?? '');
    this.webTier = createWebTier(this, {
      allowedCidr: props.allowedCidr,
      certificateArn: props.certificateArn,
      minInstances: props.webMinInstances ?? 1,
      maxInstances: props.webMaxInstances ?? Math.max(3, props.webMinInstances ?? 1),
      group: this.serviceGroupProps(props, vpc, code, 'web'),
    });
    this.autoscalerGroup = this.createAutoscaler(props, vpc, code);
    this.logGroups.dependOn(this.webTier.group);
    this.logGroups.dependOn(this.autoscalerGroup);
    new CfnOutput(this, 'WebTierGroupName', { value: this.webTier.group.autoScalingGroupName });
    new CfnOutput(this, 'AutoscalerGroupName', { value: this.autoscalerGroup.autoScalingGroupName });
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
        lifecycleRules: [
          // A process killed during a multipart upload (inputs over 8 MiB) leaves parts that are billed until aborted.
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
          ...(ttlDays === undefined ? [] : [{ id: 'retention', expiration: Duration.days(ttlDays) }]),
        ],
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
    const userData = ec2.UserData.forLinux();
    addBootScript(userData, code, {
      prefix: props.prefix,
      env: { SCALEFACE_MODEL: this.model },
      command: 'worker --name $NAME',
      serviceName: 'scaleface-worker',
      logs: { serviceGroup: logGroupName(props.prefix, 'app-tier'), bootGroup: logGroupName(props.prefix, 'boot') },
    });
    const template = new ec2.LaunchTemplate(this, 'AppTierLaunchTemplate', {
      ...instanceBasics(this.machineImage, props.appInstanceType ?? 't3.medium'),
      // Unique per prefix (the autoscaler names it); the web tier's and the autoscaler's templates are unnamed, so
      // CloudFormation names them uniquely.
      launchTemplateName: `${props.prefix}-app-tier`,
      instanceProfile,
      securityGroup,
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

  /** `scaleface up` on a web instance (serving, autoscaler off) or on the autoscaler's instance (loopback, on). */
  private serviceGroupProps(props: ScalefaceStackProps, vpc: ec2.Vpc, code: Asset, tier: 'web' | 'autoscaler'): Omit<ServiceGroupProps, 'securityGroup' | 'minCapacity' | 'maxCapacity' | 'update' | 'port'> {
    const web = tier === 'web';
    return {
      vpc,
      role: web ? this.webRole : this.autoscalerRole,
      machineImage: this.machineImage,
      instanceType: (web ? props.webInstanceType : props.autoscalerInstanceType) ?? 't3.small',
      code,
      boot: {
        prefix: props.prefix,
        env: {
          SCALEFACE_EC2_LAUNCH_TEMPLATE_ID: this.launchTemplate.launchTemplateId ?? '',
          // Workers are spread over the public subnets of both AZs.
          SCALEFACE_EC2_SUBNET_IDS: vpc.publicSubnets.map((subnet) => subnet.subnetId).join(','),
          SCALEFACE_MAX_INSTANCES: String(props.maxInstances ?? 20),
          SCALEFACE_PORT: String(WEB_PORT),
          // The web instances serve through the load balancer; the autoscaler's status is for a Session Manager shell.
          SCALEFACE_HOST: web ? '0.0.0.0' : '127.0.0.1',
          // Health checks send the instance's address as Host (always served); clients the load balancer's name.
          // The course's client posts to / without a token; everything else on the web tier needs it.
          ...(web ? { SCALEFACE_WEB_ALLOWED_HOSTS: props.allowedHosts ?? '*', SCALEFACE_REQUIRE_AUTH_FOR_UPLOADS: 'false' } : {}),
          // Exactly one autoscaler per deployment: the instance of the autoscaler group.
          SCALEFACE_AUTOSCALER: web ? 'off' : 'on',
          // The web tier too: it refuses the face-only routes (subjects, enrollment) under another model.
          SCALEFACE_MODEL: this.model,
        },
        command: 'up',
        serviceName: web ? 'scaleface-web' : 'scaleface-autoscaler',
        logs: { serviceGroup: logGroupName(props.prefix, tier), bootGroup: logGroupName(props.prefix, 'boot') },
        ...(web ? { tokenParameter: this.tokenParameter } : {}),
      },
    };
  }

  /**
   * The autoscaler runs on an instance of its own, in a group of exactly one: EC2 replaces it when it dies, an
   * update ends the old one before starting the new one, so there are never two; and while there is none, the
   * workers shut themselves down after compute.ec2.unattendedShutdownMs.
   */
  private createAutoscaler(props: ScalefaceStackProps, vpc: ec2.Vpc, code: Asset): AutoScalingGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'AutoscalerSecurityGroup', {
      vpc,
      description: 'Autoscaler: no inbound traffic; outbound to SQS, S3 and EC2',
      allowAllOutbound: true,
    });
    return createServiceGroup(this, 'AutoscalerGroup', {
      ...this.serviceGroupProps(props, vpc, code, 'autoscaler'),
      securityGroup,
      minCapacity: 1,
      maxCapacity: 1,
      update: 'one-at-a-time',
      port: WEB_PORT,
    });
  }
}
