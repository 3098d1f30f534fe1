import { randomUUID } from 'node:crypto';
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Instance as Ec2Instance,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { Config } from '../../config/index.js';
import { ConfigInvalidError, NotFoundError } from '../../domain/errors.js';
import { instanceNumber, lowestFreeNames } from '../../domain/instance-names.js';
import type { Instance, InstancePool } from '../../ports/instance-pool.js';
import type { Heartbeat } from './ec2-heartbeat.js';
import { byNumberThenId, LaunchesInFlight, mapState, tagValue, type OwnInstance } from './ec2-instances.js';
import { withEc2Retries, type RetryPolicy } from './ec2-retry.js';
import { activeBySubnet, launchInSomeSubnet, SubnetSpread } from './ec2-subnets.js';

/** Tags that mark an EC2 instance as one of ours: `scaleface:role=app-tier` and `scaleface:prefix=<prefix>`. */
export const ROLE_TAG_KEY = 'scaleface:role';
export const APP_TIER_ROLE = 'app-tier';
export const PREFIX_TAG_KEY = 'scaleface:prefix';
/** Every state but `terminated`: a shutting-down instance still holds its name. */
export const LISTED_EC2_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] as const;

/** The last heartbeat a worker wrote (see heartbeatReader in ec2-heartbeat.ts). */
export type HeartbeatReader = (name: string) => Promise<Pick<Heartbeat, 'at' | 'busy' | 'runtime'> | undefined>;

export interface Ec2InstancePoolOptions {
  readonly region: string;
  readonly client?: EC2Client;
  /** Value of the `scaleface:prefix` tag: the deployment's resource prefix. */
  readonly prefix: string;
  /** Launch from this template (AMI, type, security group, instance profile, user data)... */
  readonly launchTemplateId?: string;
  readonly launchTemplateVersion?: string;
  /** ...or from these parameters. */
  readonly imageId?: string;
  readonly instanceType?: string;
  /**
   * Subnets to spread launches over (see ec2-subnets.ts), used with a template too (a launch template cannot
   * name a subnet of its own through the CDK). The older single `compute.ec2.subnetId` arrives here as a list
   * of one (src/config/schema.ts).
   */
  readonly subnetIds?: readonly string[];
  readonly securityGroupIds?: readonly string[];
  readonly instanceProfileArn?: string;
  /** Start and stop pre-created instances instead of running and terminating new ones. */
  readonly stoppedFleet: boolean;
  readonly heartbeats?: HeartbeatReader;
  /** A heartbeat older than this does not count (default 20 s: 4 beats of a worker writing every 5 s). */
  readonly heartbeatFreshMs?: number;
  readonly retry?: RetryPolicy;
  readonly now?: () => number;
  /** How long a launch EC2 does not list yet is still counted (default 5 min; see LaunchesInFlight). */
  readonly launchMemoryMs?: number;
}

/**
 * App-tier instances on EC2, found by our tags. `ready` and `busy` come from the worker's own heartbeat
 * (fresh, and written since the instance's last launch), never from the EC2 state alone.
 * Every EC2 call goes through withEc2Retries (ec2-retry.ts): throttling and transient errors are retried a few
 * times, then surfaced as BackendUnavailableError; quota and capacity refusals are surfaced at once as
 * CapacityExceededError (a launch refused for capacity tries the next subnet, ec2-subnets.ts).
 */
export class Ec2InstancePool implements InstancePool {
  private readonly client: EC2Client;
  private readonly options: Ec2InstancePoolOptions;
  private readonly now: () => number;
  private readonly inFlight: LaunchesInFlight;
  private readonly subnets: readonly string[];
  private readonly spread: SubnetSpread;

  constructor(options: Ec2InstancePoolOptions) {
    if (!options.stoppedFleet && !options.launchTemplateId && !options.imageId) {
      throw new ConfigInvalidError('the EC2 pool needs compute.ec2.launchTemplateId or compute.ec2.imageId');
    }
    this.options = options;
    this.now = options.now ?? Date.now;
    this.inFlight = new LaunchesInFlight(options.launchMemoryMs);
    this.subnets = options.subnetIds ?? [];
    this.spread = new SubnetSpread(this.subnets);
    // Our own retry policy replaces the SDK's, so that a throttled call is not retried twice over.
    this.client = options.client ?? new EC2Client({ region: options.region, maxAttempts: 1 });
  }

  async list(): Promise<Instance[]> {
    const found = await this.describe();
    const now = this.now();
    const instances = await Promise.all(found.map((i) => this.toInstance(i, now)));
    return [...instances, ...this.inFlight.notListedIn(found, now)].sort(byNumberThenId);
  }

  async launch(count: number): Promise<Instance[]> {
    if (!Number.isInteger(count) || count <= 0) return [];
    const current = await this.describe();
    const launched: Instance[] = [];
    if (this.options.stoppedFleet) launched.push(...(await this.startStopped(current, count)));
    const remaining = count - launched.length;
    if (remaining > 0 && (this.options.launchTemplateId || this.options.imageId)) {
      const notListed = this.inFlight.notListedIn(current, this.now());
      const taken = [...current.map((i) => tagValue(i.Tags, 'Name') ?? ''), ...notListed.map((i) => i.name)];
      // Instances just started count in their subnets as pending.
      const started = new Set(launched.map((i) => i.id));
      const listed = current.map((i) => (started.has(i.InstanceId ?? '') ? { ...i, State: { Name: 'pending' as const } } : i));
      const active = activeBySubnet(listed, notListed.map((i) => this.inFlight.subnetOf(i.id)));
      for (const name of lowestFreeNames(taken, remaining)) {
        launched.push(await launchInSomeSubnet(`RunInstances ${name}`, this.spread, active, (subnet) => this.runOne(name, subnet)));
      }
    }
    return launched;
  }

  /** Terminates (or, in a stopped fleet, stops) one of our instances; unknown or already stopping ids are a no-op. */
  async terminate(id: string): Promise<void> {
    // Launched by this pool but not listed yet: ours for certain, and EC2 may not find it by id either.
    if (this.inFlight.forget(id)) return this.stopOrTerminate([id]);
    let found: Ec2Instance[];
    try {
      found = await this.describe([id]);
    } catch (error) {
      if (error instanceof NotFoundError) return;
      throw error;
    }
    const target = found.find((i) => i.InstanceId === id);
    const state = mapState(target?.State?.Name);
    if (target === undefined || (state !== 'pending' && state !== 'running')) return;
    await this.stopOrTerminate([id]);
  }

  /**
   * Leaves every instance running: EC2 workers outlive the process that launched them (a restart of `up`,
   * `systemctl restart scaleface-web`), and the next autoscaler adopts them. Idle ones left without an
   * autoscaler shut themselves down (see the worker's unattended shutdown).
   */
  async close(): Promise<void> {
    // Nothing to release: the client holds no connections that outlive a call.
  }

  /** Every instance of ours EC2 lists, with EC2's own state name (pending, running, stopping, stopped, shutting-down). */
  async listOurs(): Promise<OwnInstance[]> {
    return (await this.describe()).map((i) => ({ id: i.InstanceId ?? '', name: tagValue(i.Tags, 'Name') ?? i.InstanceId ?? '', state: i.State?.Name ?? 'unknown' }));
  }

  /**
   * Tearing the app tier down on purpose: terminates (never stops, in a stopped fleet too) every instance of ours
   * that is pending, running, stopping or stopped; returns them.
   */
  async terminateAll(): Promise<OwnInstance[]> {
    const targets = (await this.listOurs()).filter((i) => i.id !== '' && i.state !== 'shutting-down');
    const ids = targets.map((i) => i.id);
    for (let start = 0; start < ids.length; start += 500) {
      const batch = ids.slice(start, start + 500);
      await withEc2Retries('TerminateInstances', () => this.client.send(new TerminateInstancesCommand({ InstanceIds: batch })), this.options.retry);
    }
    for (const id of ids) this.inFlight.forget(id);
    return targets;
  }

  /** The filters that select our instances (exported through the pool for tests and docs). */
  ownFilters(): Filter[] {
    return [
      { Name: `tag:${ROLE_TAG_KEY}`, Values: [APP_TIER_ROLE] },
      { Name: `tag:${PREFIX_TAG_KEY}`, Values: [this.options.prefix] },
      { Name: 'instance-state-name', Values: [...LISTED_EC2_STATES] },
    ];
  }

  private async describe(instanceIds?: string[]): Promise<Ec2Instance[]> {
    const found: Ec2Instance[] = [];
    let token: string | undefined;
    do {
      const out = await withEc2Retries(
        'DescribeInstances',
        () =>
          this.client.send(
            new DescribeInstancesCommand({ Filters: this.ownFilters(), InstanceIds: instanceIds, NextToken: token }),
          ),
        this.options.retry,
      );
      for (const reservation of out.Reservations ?? []) found.push(...(reservation.Instances ?? []));
      token = out.NextToken;
    } while (token);
    return found;
  }

  private async toInstance(raw: Ec2Instance, now: number): Promise<Instance> {
    const id = raw.InstanceId ?? '';
    const name = tagValue(raw.Tags, 'Name') ?? id;
    const state = mapState(raw.State?.Name);
    const launchedAt = raw.LaunchTime?.getTime() ?? 0;
    if (state !== 'running' && state !== 'stopping') return { id, name, state, launchedAt, ready: false, busy: 0 };
    const found = await this.options.heartbeats?.(name).catch(() => undefined);
    // A heartbeat from before this launch (a stopped fleet's earlier run) says nothing about this one.
    const heartbeat = found !== undefined && found.at >= launchedAt ? found : undefined;
    const fresh = heartbeat !== undefined && now - heartbeat.at <= (this.options.heartbeatFreshMs ?? 20_000);
    const runtime = fresh && heartbeat.runtime !== undefined ? { runtime: heartbeat.runtime } : {};
    const seen = heartbeat === undefined ? {} : { lastHeartbeatAt: heartbeat.at };
    return { id, name, state, launchedAt, ready: fresh && state === 'running', busy: fresh ? heartbeat.busy : undefined, ...seen, ...runtime };
  }

  private ourTags(name: string): Tag[] {
    return [
      { Key: 'Name', Value: name },
      { Key: ROLE_TAG_KEY, Value: APP_TIER_ROLE },
      { Key: PREFIX_TAG_KEY, Value: this.options.prefix },
    ];
  }

  /** The RunInstances request that launches instance `name` (also what `scaleface aws check` dry-runs). */
  launchRequest(name: string, subnetId: string | undefined = this.subnets[0]): RunInstancesCommandInput {
    const o = this.options;
    const common: RunInstancesCommandInput = {
      MinCount: 1,
      MaxCount: 1,
      // The same token on every retry: EC2 launches at most one instance for it.
      ClientToken: randomUUID(),
      TagSpecifications: [{ ResourceType: 'instance', Tags: this.ourTags(name) }],
    };
    // A subnet and security groups given next to a template override the template's.
    const network = {
      SubnetId: subnetId,
      SecurityGroupIds: o.securityGroupIds && o.securityGroupIds.length > 0 ? [...o.securityGroupIds] : undefined,
    };
    if (o.launchTemplateId) {
      const LaunchTemplate = { LaunchTemplateId: o.launchTemplateId, Version: o.launchTemplateVersion ?? '$Latest' };
      return { ...common, ...network, LaunchTemplate };
    }
    return {
      ...common,
      ...network,
      ImageId: o.imageId,
      InstanceType: o.instanceType as RunInstancesCommandInput['InstanceType'],
      IamInstanceProfile: o.instanceProfileArn ? { Arn: o.instanceProfileArn } : undefined,
    };
  }

  private async runOne(name: string, subnetId: string | undefined): Promise<Instance> {
    const input = this.launchRequest(name, subnetId);
    const out = await withEc2Retries(`RunInstances ${name}`, () => this.client.send(new RunInstancesCommand(input)), this.options.retry);
    const raw = out.Instances?.[0];
    const launched: Instance = {
      id: raw?.InstanceId ?? '',
      name,
      state: mapState(raw?.State?.Name ?? 'pending'),
      launchedAt: raw?.LaunchTime?.getTime() ?? this.now(),
      ready: false,
      busy: 0,
    };
    this.inFlight.remember(launched, subnetId);
    return launched;
  }

  private async startStopped(current: Ec2Instance[], count: number): Promise<Instance[]> {
    const stopped = current
      .filter((i) => mapState(i.State?.Name) === 'stopped' && i.InstanceId !== undefined)
      .map((i) => ({ id: i.InstanceId ?? '', name: tagValue(i.Tags, 'Name') ?? i.InstanceId ?? '' }))
      .sort((a, b) => (instanceNumber(a.name) ?? Infinity) - (instanceNumber(b.name) ?? Infinity))
      .slice(0, count);
    if (stopped.length === 0) return [];
    const ids = stopped.map((s) => s.id);
    await withEc2Retries('StartInstances', () => this.client.send(new StartInstancesCommand({ InstanceIds: ids })), this.options.retry);
    const at = this.now();
    return stopped.map((s) => ({ id: s.id, name: s.name, state: 'pending', launchedAt: at, ready: false, busy: 0 }));
  }

  private async stopOrTerminate(ids: string[]): Promise<void> {
    if (this.options.stoppedFleet) {
      await withEc2Retries('StopInstances', () => this.client.send(new StopInstancesCommand({ InstanceIds: ids })), this.options.retry);
    } else {
      await withEc2Retries('TerminateInstances', () => this.client.send(new TerminateInstancesCommand({ InstanceIds: ids })), this.options.retry);
    }
  }
}

/** The pool `compute.ec2` describes; `heartbeats` usually reads the control bucket (see heartbeatReader). */
export function ec2PoolFromConfig(config: Config, heartbeats?: HeartbeatReader, client?: EC2Client): Ec2InstancePool {
  const ec2 = config.compute.ec2;
  return new Ec2InstancePool({
    client,
    region: ec2.region,
    prefix: config.prefix,
    launchTemplateId: ec2.launchTemplateId,
    imageId: ec2.imageId,
    instanceType: ec2.instanceType,
    subnetIds: ec2.subnetIds,
    securityGroupIds: ec2.securityGroupIds,
    instanceProfileArn: ec2.instanceProfileArn,
    stoppedFleet: ec2.stoppedFleet,
    heartbeats,
    heartbeatFreshMs: ec2.heartbeatFreshMs,
  });
}
