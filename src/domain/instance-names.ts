/**
 * Names of app-tier instances, `app-tier-instance-<n>` with n >= 1: both instance pools give them out
 * (lowest free number first, so that a replaced instance takes its predecessor's name) and sort by them.
 */
export const INSTANCE_NAME_PREFIX = 'app-tier-instance-';

const NAME_PATTERN = new RegExp(`^${INSTANCE_NAME_PREFIX}(\\d+)$`);

/** `app-tier-instance-<n>`. */
export function instanceName(n: number): string {
  return `${INSTANCE_NAME_PREFIX}${n}`;
}

/** The n of `app-tier-instance-<n>`; undefined for any other name. */
export function instanceNumber(name: string): number | undefined {
  const match = NAME_PATTERN.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The `count` lowest numbers n >= 1 that no name `app-tier-instance-<n>` uses yet, as names. */
export function lowestFreeNames(usedNames: Iterable<string>, count: number): string[] {
  const used = new Set<number>();
  for (const name of usedNames) {
    const n = instanceNumber(name);
    if (n !== undefined) used.add(n);
  }
  const names: string[] = [];
  for (let n = 1; names.length < count; n++) if (!used.has(n)) names.push(instanceName(n));
  return names;
}
