/**
 * Pure helpers of bench/recognition-accuracy.ts: given enrolled examples and probe descriptors, how
 * would the matcher's rule (nearest <= threshold AND ahead of the next subject by >= margin) decide?
 */
import { euclideanDistance, type Descriptor } from '../src/recognition/matcher.js';

export interface Example {
  readonly subject: string;
  readonly photo: string;
  readonly variant: string;
  readonly descriptor: Float32Array;
}

export interface Probe {
  readonly name: string;
  /** Expected label: a subject, or undefined when the right answer is Unknown (leave-one-out impostor). */
  readonly expected: string | undefined;
  /** Examples of this photo are hidden from the gallery when matching this probe. */
  readonly excludePhoto?: string;
  readonly descriptor: Descriptor | undefined;
}

export interface Ranking {
  readonly probe: Probe;
  readonly best?: { subject: string; distance: number };
  readonly secondDistance: number;
}

export function rank(examples: readonly Example[], probe: Probe): Ranking {
  if (probe.descriptor === undefined) return { probe, secondDistance: Infinity };
  const nearest = new Map<string, number>();
  for (const e of examples) {
    if (e.photo === probe.excludePhoto) continue;
    const d = euclideanDistance(e.descriptor, probe.descriptor);
    nearest.set(e.subject, Math.min(d, nearest.get(e.subject) ?? Infinity));
  }
  const sorted = [...nearest.entries()].sort((a, b) => a[1] - b[1]);
  const [first, second] = sorted;
  return {
    probe,
    best: first && { subject: first[0], distance: first[1] },
    secondDistance: second?.[1] ?? Infinity,
  };
}

export type Outcome = 'right' | 'refused' | 'wrong' | 'noface';

export function decide(r: Ranking, threshold: number, margin: number): Outcome {
  if (r.probe.descriptor === undefined) return 'noface';
  const accepted = r.best !== undefined && r.best.distance <= threshold && r.secondDistance - r.best.distance >= margin;
  if (!accepted) return r.probe.expected === undefined ? 'right' : 'refused';
  return r.best?.subject === r.probe.expected ? 'right' : 'wrong';
}

export interface GridCell {
  readonly threshold: number;
  readonly margin: number;
  /** Per probe set: how many probes were decided right, refused (Unknown for an enrolled face), wrong. */
  readonly outcomes: Record<string, Record<Outcome, number>>;
}

/** How many of `rankings` the rule decides each way. */
export function count(rankings: readonly Ranking[], threshold: number, margin: number): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { right: 0, refused: 0, wrong: 0, noface: 0 };
  for (const r of rankings) counts[decide(r, threshold, margin)] += 1;
  return counts;
}

export function grid(
  probeSets: Record<string, readonly Ranking[]>,
  thresholds: readonly number[],
  margins: readonly number[],
): GridCell[] {
  const cells: GridCell[] = [];
  for (const threshold of thresholds) {
    for (const margin of margins) {
      const outcomes: Record<string, Record<Outcome, number>> = {};
      for (const [name, rankings] of Object.entries(probeSets)) outcomes[name] = count(rankings, threshold, margin);
      cells.push({ threshold, margin, outcomes });
    }
  }
  return cells;
}

function total(cell: GridCell, prefix: string, outcome: (o: Record<Outcome, number>) => number): number {
  return Object.entries(cell.outcomes)
    .filter(([name]) => name.startsWith(prefix))
    .reduce((sum, [, o]) => sum + outcome(o), 0);
}

/** Cells with every course probe right, ordered by false accepts, then misses, then the larger margin. */
export function bestOperatingPoints(cells: readonly GridCell[]): GridCell[] {
  const falseAccepts = (c: GridCell) => total(c, 'impostor', (o) => o.wrong);
  const misses = (c: GridCell) => total(c, 'genuine', (o) => o.refused + o.wrong);
  return cells
    .filter((c) => c.outcomes.course !== undefined && c.outcomes.course.refused + c.outcomes.course.wrong === 0)
    .sort((a, b) => falseAccepts(a) - falseAccepts(b) || misses(a) - misses(b) || b.margin - a.margin);
}

export function describePoint(c: GridCell): string {
  const falseAccepts = total(c, 'impostor', (o) => o.wrong);
  const impostors = total(c, 'impostor', (o) => o.right + o.wrong);
  const misses = total(c, 'genuine', (o) => o.refused + o.wrong);
  const genuine = total(c, 'genuine', (o) => o.right + o.refused + o.wrong);
  return `T=${fmt(c.threshold, 2)} M=${fmt(c.margin, 2)}: ${falseAccepts}/${impostors} false accepts, ${misses}/${genuine} missed`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) values.push(Math.round(v * 1000) / 1000);
  return values;
}

export function fmt(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}
