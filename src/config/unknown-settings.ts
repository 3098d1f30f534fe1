/**
 * Keys a configuration file names that the schema does not know. zod drops unknown keys, so a typo (`"prot"`)
 * would run with the default without a word; comparing the file with what the schema kept finds them, with the
 * known sibling each may have meant.
 */
import { isTree, type Tree } from './tree.js';

export interface UnknownSetting {
  /** Dotted path in the file, e.g. `web.prot`. */
  readonly path: string;
  /** The dotted path of the nearest known key, when one is within a couple of typos. */
  readonly suggestion?: string;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function nearest(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }));
  const best = scored.sort((x, y) => x.distance - y.distance)[0];
  return best !== undefined && best.distance <= Math.min(2, Math.floor(key.length / 2)) ? best.candidate : undefined;
}

/** Paths of `input` that `kept` (the schema's parse of it) does not hold, depth first. */
export function unknownSettings(input: Tree, kept: unknown, prefix = ''): UnknownSetting[] {
  if (!isTree(kept)) return [];
  const found: UnknownSetting[] = [];
  for (const [key, value] of Object.entries(input)) {
    const path = `${prefix}${key}`;
    if (!(key in kept)) {
      const suggestion = nearest(key, Object.keys(kept));
      found.push(suggestion === undefined ? { path } : { path, suggestion: `${prefix}${suggestion}` });
    } else if (isTree(value)) {
      found.push(...unknownSettings(value, kept[key], `${path}.`));
    }
  }
  return found;
}

/** `web.prot (did you mean web.port?)`, for an error message. */
export function describeUnknown(setting: UnknownSetting): string {
  return setting.suggestion === undefined ? setting.path : `${setting.path} (did you mean ${setting.suggestion}?)`;
}
