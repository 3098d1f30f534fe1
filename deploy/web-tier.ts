/**
 * The web tier: `scaleface up` (autoscaler off) on an Auto Scaling group of 1..n instances over two AZs,
 * scaled on CPU, behind an Application Load Balancer. With a certificate the load balancer speaks HTTPS and
 * redirects HTTP to it; without one it speaks HTTP and a warning says that the bearer token travels in clear.
 * Only the load balancer reaches the instances; only `allowedCidr` reaches the load balancer.
 */
import { Annotations, CfnOutput, Duration, type Stack } from 'aws-cdk-lib';
import type { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { createServiceGroup, type ServiceGroupProps } from './service-group.js';

export const WEB_PORT = 8000;
/**
 * A synchronous POST / holds its connection until the answer: longer than the web tier's reply wait on EC2
 * (web.replyTimeoutMs, by default 60 s past the larger of the latency target, 400 s for a fresh boot, and the boot
 * deadline, 300 s), so that the load balancer never cuts a request the web tier still waits for.
 * test/config/timing-agreement.test.ts checks the two agree.
 */
export const LOAD_BALANCER_IDLE_TIMEOUT = Duration.seconds(600);
/** Average CPU the web group's target tracking keeps (uploads and multipart parsing are its work). */
const WEB_CPU_TARGET_PERCENT = 60;

export interface WebTierProps {
  readonly allowedCidr?: string;
  /** ACM certificate of the load balancer's HTTPS listener. */
  readonly certificateArn?: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** The group's settings beyond its network, size and update behaviour. */
  readonly group: Omit<ServiceGroupProps, 'securityGroup' | 'minCapacity' | 'maxCapacity' | 'update' | 'port'>;
}

export interface WebTier {
  readonly group: AutoScalingGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
}

export function createWebTier(scope: Stack, props: WebTierProps): WebTier {
  if (props.minInstances < 1 || props.maxInstances < props.minInstances) {
    throw new Error(`webMaxInstances ${props.maxInstances} must be >= webMinInstances ${props.minInstances} >= 1`);
  }
  const vpc = props.group.vpc;
  const webGroup = new ec2.SecurityGroup(scope, 'WebTierSecurityGroup', { vpc, description: 'Web tier: from the load balancer only', allowAllOutbound: true });
  const group = createServiceGroup(scope, 'WebTierGroup', {
    ...props.group,
    securityGroup: webGroup,
    minCapacity: props.minInstances,
    maxCapacity: props.maxInstances,
    update: 'replace',
    port: WEB_PORT,
    loadBalanced: true,
  });
  group.scaleOnCpuUtilization('CpuTarget', { targetUtilizationPercent: WEB_CPU_TARGET_PERCENT });
  const loadBalancer = createLoadBalancer(scope, props, webGroup, group);
  return { group, loadBalancer };
}

function createLoadBalancer(scope: Stack, props: WebTierProps, webGroup: ec2.SecurityGroup, group: AutoScalingGroup): elbv2.ApplicationLoadBalancer {
  const vpc = props.group.vpc;
  const albGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', { vpc, description: 'Load balancer', allowAllOutbound: true });
  const https = props.certificateArn !== undefined;
  if (props.allowedCidr !== undefined) {
    albGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(80), 'HTTP');
    if (https) albGroup.addIngressRule(ec2.Peer.ipv4(props.allowedCidr), ec2.Port.tcp(443), 'HTTPS');
  } else {
    Annotations.of(scope).addWarningV2('scaleface:noAllowedCidr', 'No -c allowedCidr: the load balancer accepts no inbound traffic');
  }
  webGroup.addIngressRule(albGroup, ec2.Port.tcp(WEB_PORT), 'From the load balancer');
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc,
    internetFacing: true,
    securityGroup: albGroup,
    idleTimeout: LOAD_BALANCER_IDLE_TIMEOUT,
    dropInvalidHeaderFields: true,
  });
  const targets = {
    port: WEB_PORT,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targets: [group],
    healthCheck: { path: '/healthz' },
    // In-flight requests of an instance leaving the group get this long to finish (the web tier's close grace).
    deregistrationDelay: Duration.seconds(30),
  };
  // open: false everywhere, or a listener opens the load balancer to 0.0.0.0/0 whatever allowedCidr says.
  if (https) {
    loadBalancer
      .addListener('Https', { port: 443, open: false, certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn ?? '')], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS })
      .addTargets('WebTier', targets);
    loadBalancer.addListener('Http', {
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
  } else {
    Annotations.of(scope).addWarningV2(
      'scaleface:noCertificate',
      'No -c certificateArn: the load balancer speaks plain HTTP, so the bearer token and the photos travel in clear',
    );
    loadBalancer.addListener('Http', { port: 80, open: false }).addTargets('WebTier', targets);
  }
  new CfnOutput(scope, 'LoadBalancerDnsName', { value: loadBalancer.loadBalancerDnsName });
  new CfnOutput(scope, 'LoadBalancerUrl', { value: `${https ? 'https' : 'http'}://${loadBalancer.loadBalancerDnsName}/` });
  return loadBalancer;
}
