/**
 * CloudWatch Logs groups of a deployment: one per service (web tier, app tier, autoscaler) for its output and one for the instances'
 * boot output, owned by the stack (deleted with it) with a retention. Each tier's role may write streams
 * into its own group and the boot group only; the CloudWatch agent on the instance (deploy/boot-extras.ts)
 * ships the files.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';

export interface LogGroups {
  readonly web: LogGroup;
  readonly appTier: LogGroup;
  readonly autoscaler: LogGroup;
  readonly boot: LogGroup;
  /** The boot scripts name the groups literally: `dependent` is created after them (and deleted before). */
  dependOn(dependent: IConstruct): void;
}

export type LogKind = 'web' | 'app-tier' | 'autoscaler' | 'boot';

export const DEFAULT_LOG_RETENTION_DAYS = 14;
/** What the agent needs on a group that exists: it creates one stream per instance and writes to it. */
const WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'];

/** `/scaleface/<prefix>/<kind>`. */
export function logGroupName(prefix: string, kind: LogKind): string {
  return `/scaleface/${prefix}/${kind}`;
}

export function createLogGroups(scope: Construct, prefix: string, retentionDays = DEFAULT_LOG_RETENTION_DAYS): LogGroups {
  if (!(Object.values(RetentionDays) as unknown[]).includes(retentionDays) || retentionDays === RetentionDays.INFINITE) {
    throw new Error(`logRetentionDays must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...), got ${retentionDays}`);
  }
  const group = (id: string, kind: LogKind) =>
    new LogGroup(scope, id, {
      logGroupName: logGroupName(prefix, kind),
      retention: retentionDays as RetentionDays,
      // Tear-down leaves no log group behind to bill for storage.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  const groups = {
    web: group('WebLogGroup', 'web'),
    appTier: group('AppTierLogGroup', 'app-tier'),
    autoscaler: group('AutoscalerLogGroup', 'autoscaler'),
    boot: group('BootLogGroup', 'boot'),
  };
  return { ...groups, dependOn: (dependent) => dependent.node.addDependency(...Object.values(groups)) };
}

/** The role may write into `groups` and nowhere else (no logs:CreateLogGroup: the stack owns the groups). */
export function grantLogWrite(role: Role, groups: LogGroup[]): void {
  role.addToPolicy(new PolicyStatement({ actions: WRITE_ACTIONS, resources: groups.map((g) => g.logGroupArn) }));
}
