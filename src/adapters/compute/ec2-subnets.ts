/**
 * Where the EC2 pool launches: over the subnets of several availability zones, so that one zone's outage or
 * lack of capacity does not stop the app tier. Each launch goes to the subnet with the fewest active (pending
 * or running) instances of ours, ties taken in turn; a subnet that refuses for a reason of its own (no capacity
 * for the type in its zone, the type not offered there, no free addresses) hands the launch to the next one.
 * Account-wide refusals (quotas) are not a subnet's: trying elsewhere would fail the same way.
 */
import type { Instance as Ec2Instance } from '@aws-sdk/client-ec2';
import { CapacityExceededError } from '../../domain/errors.js';
import { awsErrorCode, awsErrorMessage } from '../aws/aws-errors.js';
import { mapState } from './ec2-instances.js';
import { CAPACITY_EC2_CODES } from './ec2-retry.js';

/** EC2 codes that say "not in this subnet (or its zone)", where another subnet may do. */
export const SUBNET_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
]);

/** A CapacityExceededError (see ec2-retry.ts) whose EC2 code is one of a subnet's own. */
export function isSubnetRefusal(error: unknown): error is CapacityExceededError {
  return error instanceof CapacityExceededError && SUBNET_REFUSAL_CODES.has(awsErrorCode(error.cause));
}

/** Active (pending or running) instances per subnet, from what EC2 lists and the launches it does not list yet. */
export function activeBySubnet(listed: readonly Ec2Instance[], notListed: readonly (string | undefined)[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (subnet: string | undefined) => subnet !== undefined && counts.set(subnet, (counts.get(subnet) ?? 0) + 1);
  for (const instance of listed) {
    const state = mapState(instance.State?.Name);
    if (state === 'pending' || state === 'running') add(instance.SubnetId);
  }
  for (const subnet of notListed) add(subnet);
  return counts;
}

/** The order in which one launch tries the configured subnets. */
export class SubnetSpread {
  /** Index of the subnet that wins the next tie. */
  private cursor = 0;

  constructor(readonly subnets: readonly string[]) {}

  /** Fewest active instances first; among equals, from the cursor on. `[undefined]` without subnets (EC2 chooses). */
  order(active: ReadonlyMap<string, number>): (string | undefined)[] {
    if (this.subnets.length === 0) return [undefined];
    const n = this.subnets.length;
    const turn = (index: number) => (index - this.cursor + n) % n;
    return this.subnets
      .map((subnet, index) => ({ subnet, index, count: active.get(subnet) ?? 0 }))
      .sort((a, b) => a.count - b.count || turn(a.index) - turn(b.index))
      .map((s) => s.subnet);
  }

  /** A launch landed in `subnet`: the next tie goes to the subnet after it. */
  landed(subnet: string | undefined): void {
    const index = subnet === undefined ? -1 : this.subnets.indexOf(subnet);
    if (index >= 0) this.cursor = (index + 1) % this.subnets.length;
  }
}

/** Every subnet refused: one CapacityExceededError naming each subnet and its refusal. */
export function everySubnetRefused(what: string, refusals: readonly { subnet: string; error: CapacityExceededError }[]): CapacityExceededError {
  const each = refusals.map((r) => `${r.subnet}: ${awsErrorCode(r.error.cause)}: ${awsErrorMessage(r.error.cause)}`).join('; ');
  const advice = new Set(refusals.map((r) => CAPACITY_EC2_CODES.get(awsErrorCode(r.error.cause)) ?? ''));
  const last = refusals[refusals.length - 1]?.error;
  return new CapacityExceededError(`${what} refused in every subnet: ${each} (${[...advice].filter(Boolean).join('; ')})`, { cause: last });
}

/**
 * Launches with `run` in the subnet with the fewest active instances (`active`, counted up on success), or in the
 * next one when a subnet refuses for a reason of its own; with fewer than two subnets the refusal is thrown as it is.
 */
export async function launchInSomeSubnet<T>(
  what: string,
  spread: SubnetSpread,
  active: Map<string, number>,
  run: (subnet: string | undefined) => Promise<T>,
): Promise<T> {
  const refusals: { subnet: string; error: CapacityExceededError }[] = [];
  for (const subnet of spread.order(active)) {
    try {
      const launched = await run(subnet);
      spread.landed(subnet);
      if (subnet !== undefined) active.set(subnet, (active.get(subnet) ?? 0) + 1);
      return launched;
    } catch (error) {
      if (!isSubnetRefusal(error) || subnet === undefined || spread.subnets.length < 2) throw error;
      refusals.push({ subnet, error });
    }
  }
  throw everySubnetRefused(what, refusals);
}
