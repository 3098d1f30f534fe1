/**
 * Pure part of the accuracy bench: rank every probe against its gallery, count outcomes per rule, print.
 */
import type { MatchRules } from '../../src/recognition/matcher.js';
import { count, decide, fmt, rank, type Example, type Outcome, type Ranking } from '../recognition-analysis.js';
import type { GalleryName, GalleryProbe, GroupCount } from './probes.js';

export type Counts = Record<Outcome, number>;

export interface RuleCounts {
  readonly threshold: number;
  readonly margin: number;
  readonly counts: Counts;
}

export interface SetResult {
  readonly name: string;
  readonly probes: number;
  /** Probes of enrolled people whose nearest subject is the right one (the descriptor's own ranking). */
  readonly rankedFirst: number;
  readonly enrolledProbes: number;
  readonly rules: readonly RuleCounts[];
  /** Probes that are not right at the default rule, for the log. */
  readonly misses: readonly string[];
  /** Every probe's nearest subject and lead over the next, to try other rules offline. */
  readonly ranked: readonly { name: string; expected: string | null; nearest: string | null; distance: number | null; lead: number | null }[];
}

export const THRESHOLDS = [0.4, 0.42, 0.44, 0.46, 0.48, 0.5, 0.52, 0.54, 0.56, 0.58, 0.6];
export const MARGINS = [0.02, 0.04, 0.06, 0.08];

function missLine(r: Ranking, rules: MatchRules): string | undefined {
  const outcome = decide(r, rules.distanceThreshold, rules.margin);
  if (outcome === 'right') return undefined;
  const lead = r.best ? r.secondDistance - r.best.distance : undefined;
  const expected = r.probe.expected ?? 'Unknown';
  return `${outcome} ${r.probe.name}: expected ${expected}, nearest ${r.best?.subject ?? '-'} d=${fmt(r.best?.distance)} lead=${fmt(lead)}`;
}

export function evaluate(
  probeSets: Record<string, readonly GalleryProbe[]>,
  galleries: Record<GalleryName, readonly Example[]>,
  defaults: MatchRules,
): SetResult[] {
  return Object.entries(probeSets).map(([name, probes]) => {
    const rankings = probes.map((p) => rank(galleries[p.gallery], p));
    const enrolled = rankings.filter((r) => r.probe.expected !== undefined);
    const rules = THRESHOLDS.flatMap((threshold) => MARGINS.map((margin) => ({ threshold, margin, counts: count(rankings, threshold, margin) })));
    return {
      name,
      probes: probes.length,
      rankedFirst: enrolled.filter((r) => r.best?.subject === r.probe.expected).length,
      enrolledProbes: enrolled.length,
      rules,
      misses: rankings.map((r) => missLine(r, defaults)).filter((line): line is string => line !== undefined),
      ranked: rankings.map((r) => ({
        name: r.probe.name,
        expected: r.probe.expected ?? null,
        nearest: r.best?.subject ?? null,
        distance: r.best?.distance ?? null,
        lead: r.best && Number.isFinite(r.secondDistance) ? r.secondDistance - r.best.distance : null,
      })),
    };
  });
}

/** `right/Unknown/wrong/NoFace`; for a set of strangers `wrong` is a false accept. */
function cell(counts: Counts): string {
  return `${counts.right}/${counts.refused}/${counts.wrong}/${counts.noface}`;
}

export function printTable(results: readonly SetResult[], defaults: MatchRules, margin: number): void {
  console.log(`\nright/Unknown/wrong/NoFace per set (strangers: right = Unknown, wrong = false accept); margin ${margin}`);
  console.log(`  T     ${results.map((r) => r.name.slice(0, 22).padEnd(23)).join('')}`);
  for (const threshold of THRESHOLDS) {
    const cells = results.map((r) => {
      const rule = r.rules.find((x) => x.threshold === threshold && x.margin === margin);
      return (rule ? cell(rule.counts) : '-').padEnd(23);
    });
    const mark = threshold === defaults.distanceThreshold && margin === defaults.margin ? '*' : ' ';
    console.log(`${mark} ${fmt(threshold, 2)}  ${cells.join('')}`);
  }
}

export function printSummary(results: readonly SetResult[], defaults: MatchRules): void {
  console.log(`\nat the default rule T=${defaults.distanceThreshold} M=${defaults.margin}:`);
  for (const r of results) {
    const rule = r.rules.find((x) => x.threshold === defaults.distanceThreshold && x.margin === defaults.margin);
    const ranked = r.enrolledProbes > 0 ? `; nearest subject right ${r.rankedFirst}/${r.enrolledProbes}` : '';
    console.log(`  ${r.name}: ${r.probes} probes, right/Unknown/wrong/NoFace ${rule ? cell(rule.counts) : '-'}${ranked}`);
    for (const miss of r.misses.slice(0, 12)) console.log(`      ${miss}`);
  }
}

export function printGroupCounts(counts: readonly GroupCount[]): void {
  if (counts.length === 0) return;
  console.log('\ngroup photos: faces found / in the picture; named faces found / annotated');
  for (const c of counts) console.log(`  ${c.file}: ${c.found}/${c.expectedFaces}; ${c.namedFound}/${c.named}`);
}
