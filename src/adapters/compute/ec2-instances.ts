/**
 * What the EC2 pool knows about instances besides EC2's answers: how EC2's states and tags map onto ours, and
 * the launches in flight. DescribeInstances is eventually consistent: right after RunInstances the new
 * instance may not be listed for a while, and a pool that forgot it would launch again for the same backlog
 * and hand out its name twice. So the pool remembers what it launched until EC2 lists it, or a bound passes.
 */
import type { Instance as Ec2Instance, Tag } from '@aws-sdk/client-ec2';
import { instanceNumber } from '../../domain/instance-names.js';
import type { Instance, InstanceState } from '../../ports/instance-pool.js';

/** How long a launched instance that EC2 does not list yet is still counted (default 5 min). */
export const DEFAULT_LAUNCH_MEMORY_MS = 5 * 60_000;

/** One of our instances as EC2 lists it, for tear-down. */
export interface OwnInstance {
  readonly id: string;
  readonly name: string;
  /** EC2's state name. */
  readonly state: string;
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

export function mapState(state: string | undefined): InstanceState {
  switch (state) {
    case 'pending':
    case 'running':
    case 'stopping':
    case 'stopped':
      return state;
    case 'shutting-down':
      return 'stopping';
    default:
      return 'terminated';
  }
}

export function byNumberThenId(a: Instance, b: Instance): number {
  const diff = (instanceNumber(a.name) ?? Infinity) - (instanceNumber(b.name) ?? Infinity);
  return diff !== 0 && !Number.isNaN(diff) ? diff : a.id < b.id ? -1 : 1;
}

/** Instances this pool launched that DescribeInstances did not list yet. */
export class LaunchesInFlight {
  private readonly launched = new Map<string, Instance>();
  /** The subnet each was launched in, when one was named. */
  private readonly subnets = new Map<string, string>();

  constructor(private readonly memoryMs = DEFAULT_LAUNCH_MEMORY_MS) {}

  remember(instance: Instance, subnetId?: string): void {
    if (instance.id === '') return;
    this.launched.set(instance.id, instance);
    if (subnetId !== undefined) this.subnets.set(instance.id, subnetId);
  }

  forget(id: string): boolean {
    this.subnets.delete(id);
    return this.launched.delete(id);
  }

  subnetOf(id: string): string | undefined {
    return this.subnets.get(id);
  }

  has(id: string): boolean {
    return this.launched.has(id);
  }

  /** Forgets what EC2 lists now (and what it never listed within the bound); returns the rest. */
  notListedIn(described: Ec2Instance[], now: number): Instance[] {
    const listed = new Set(described.map((i) => i.InstanceId));
    for (const [id, instance] of this.launched) {
      if (listed.has(id) || now - instance.launchedAt > this.memoryMs) this.forget(id);
    }
    return [...this.launched.values()];
  }
}
