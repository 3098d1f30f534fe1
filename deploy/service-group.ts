/**
 * An Auto Scaling group that runs one Scaleface service (`up`) per instance: its own launch template with the
 * boot script, IMDSv2, standard CPU credits, and a CreationPolicy that waits until every instance answers
 * /healthz. Used for the web tier (1..n behind the load balancer) and for the autoscaler's one instance.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { addBootScript, type BootSettings } from './user-data.js';

/** How long CloudFormation waits for an instance to answer /healthz (a fresh boot installs Node and the project). */
export const READY_TIMEOUT = Duration.minutes(20);

export interface ServiceGroupProps {
  readonly vpc: ec2.IVpc;
  readonly role: IRole;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly machineImage: ec2.IMachineImage;
  readonly instanceType: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly code: Asset;
  /** The service and its settings; the readiness check is added here. */
  readonly boot: Omit<BootSettings, 'codeUrl' | 'region' | 'readiness'>;
  readonly port: number;
  /**
   * `replace`: an update builds a whole new group and removes the old one once the new one answers (no gap,
   * for a while both serve). `one-at-a-time`: the old instance ends before the new one starts (never two).
   */
  readonly update: 'replace' | 'one-at-a-time';
  /**
   * Behind a load balancer: the group replaces an instance whose target fails the load balancer's health check
   * (a hung process on a running machine), not only one that fails EC2's status checks.
   */
  readonly loadBalanced?: boolean;
}

/**
 * How long a new instance's failed load-balancer checks are ignored: a fresh boot installs packages and the
 * project (3 to 5 min, docs/aws.md) and then waits up to HEALTH_WAIT_SECONDS (5 min) for /healthz, so 15 min
 * leaves a slow boot time to fail on its own (and signal) rather than be replaced mid-install; below READY_TIMEOUT.
 */
export const ELB_HEALTH_CHECK_GRACE = Duration.minutes(15);

/** Amazon Linux 2023's root device, 16 GiB (the OS, Node, the project and its dependencies, logs), encrypted. */
function encryptedRootVolume(): ec2.BlockDevice {
  return { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(16, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) };
}

/** What every launch template of the stack (web, autoscaler, app tier) holds, whatever else it sets. */
export function instanceBasics(machineImage: ec2.IMachineImage, instanceTypeName: string): ec2.LaunchTemplateProps {
  const instanceType = new ec2.InstanceType(instanceTypeName);
  return {
    machineImage,
    instanceType,
    // Standard credits: a busy instance is throttled to its baseline instead of billed for surplus credits.
    ...(instanceType.isBurstable() ? { cpuCredits: ec2.CpuCredits.STANDARD } : {}),
    requireImdsv2: true,
    blockDevices: [encryptedRootVolume()],
  };
}

function updatePolicy(update: ServiceGroupProps['update']): autoscaling.UpdatePolicy {
  if (update === 'replace') return autoscaling.UpdatePolicy.replacingUpdate();
  return autoscaling.UpdatePolicy.rollingUpdate({
    maxBatchSize: 1,
    minInstancesInService: 0,
    waitOnResourceSignals: true,
    pauseTime: READY_TIMEOUT,
  });
}

export function createServiceGroup(scope: Stack, id: string, props: ServiceGroupProps): autoscaling.AutoScalingGroup {
  const userData = ec2.UserData.forLinux();
  const launchTemplate = new ec2.LaunchTemplate(scope, `${id}LaunchTemplate`, {
    ...instanceBasics(props.machineImage, props.instanceType),
    role: props.role,
    securityGroup: props.securityGroup,
    userData,
  });
  const group = new autoscaling.AutoScalingGroup(scope, id, {
    vpc: props.vpc,
    // Public subnets of every AZ of the VPC (two): no NAT to pay for, and one AZ down leaves the other.
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    launchTemplate,
    minCapacity: props.minCapacity,
    maxCapacity: props.maxCapacity,
    signals: autoscaling.Signals.waitForMinCapacity({ timeout: READY_TIMEOUT }),
    ...(props.loadBalanced
      ? { healthChecks: autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod: ELB_HEALTH_CHECK_GRACE }) }
      : {}),
    // New user data makes a new launch template version, which this policy rolls out.
    updatePolicy: updatePolicy(props.update),
  });
  const logicalId = scope.getLogicalId(group.node.defaultChild as autoscaling.CfnAutoScalingGroup);
  // Filled after the group exists: each instance signals the group's CreationPolicy once it answers /healthz.
  addBootScript(userData, props.code, {
    ...props.boot,
    readiness: { port: props.port, stackName: scope.stackName, logicalId, region: scope.region },
  });
  return group;
}
