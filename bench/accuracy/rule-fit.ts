/**
 * Pure part of the accuracy bench that fits the match rule: every probe's nearest subject, its distance and its
 * lead over the next subject (SetResult.ranked) are decided again under each candidate rule, so the trade-off
 * between genuine accepts and false accepts is counted per probe set without recomputing descriptors.
 *
 * A false accept is any face given a name that is not its own: a stranger named, or an enrolled person named as
 * someone else. The chosen rule accepts the most genuine matches with no false accept in any set and every course
 * image right; among equals, the strictest (lowest threshold, then largest margin).
 */
import type { MatchRules } from '../../src/recognition/matcher.js';
import type { SetResult } from './report.js';

export type RankedProbe = SetResult['ranked'][number];

/** A rule family: nearest distance and lead (the matcher's), or nearest distance and ratio to the second. */
export interface CandidateRule {
  readonly threshold: number;
  /** Lead over the next subject at least this (the matcher's margin). */
  readonly margin: number;
  /** When set: nearest / next-nearest distance at most this, in place of the margin. */
  readonly ratio?: number;
}

export interface SetTally {
  readonly genuine: number;
  readonly genuineAccepts: number;
  readonly falseAccepts: number;
  readonly noFace: number;
}

export interface RuleTally {
  readonly rule: CandidateRule;
  readonly perSet: Record<string, SetTally>;
  readonly genuineAccepts: number;
  readonly genuine: number;
  readonly falseAccepts: number;
  readonly courseRight: boolean;
}

export const FIT_THRESHOLDS = Array.from({ length: 23 }, (_, i) => Math.round((0.4 + i * 0.01) * 100) / 100);
export const FIT_MARGINS = [0, 0.02, 0.04, 0.06, 0.08];
export const FIT_RATIOS = [0.8, 0.85, 0.9, 0.95];
export const COURSE_SET = 'course (10 distinct of 1000)';

export function candidateRules(): CandidateRule[] {
  const byMargin = FIT_THRESHOLDS.flatMap((threshold) => FIT_MARGINS.map((margin) => ({ threshold, margin })));
  const byRatio = FIT_THRESHOLDS.flatMap((threshold) => FIT_RATIOS.map((ratio) => ({ threshold, margin: 0, ratio })));
  return [...byMargin, ...byRatio];
}

/** The name the rule gives the probe's face: its nearest subject, or null (Unknown / no face). */
export function named(probe: RankedProbe, rule: CandidateRule): string | null {
  if (probe.distance === null || probe.nearest === null) return null;
  const lead = probe.lead ?? Number.POSITIVE_INFINITY;
  if (probe.distance > rule.threshold + 1e-9) return null;
  if (rule.ratio !== undefined) return probe.distance <= rule.ratio * (probe.distance + lead) ? probe.nearest : null;
  return lead >= rule.margin - 1e-9 ? probe.nearest : null;
}

function tallySet(probes: readonly RankedProbe[], rule: CandidateRule): SetTally {
  let genuine = 0;
  let genuineAccepts = 0;
  let falseAccepts = 0;
  let noFace = 0;
  for (const probe of probes) {
    if (probe.distance === null) noFace += 1;
    if (probe.expected !== null) genuine += 1;
    const name = named(probe, rule);
    if (name === null) continue;
    if (name === probe.expected) genuineAccepts += 1;
    else falseAccepts += 1;
  }
  return { genuine, genuineAccepts, falseAccepts, noFace };
}

export function tallyRule(sets: Record<string, readonly RankedProbe[]>, rule: CandidateRule): RuleTally {
  const perSet: Record<string, SetTally> = {};
  for (const [name, probes] of Object.entries(sets)) perSet[name] = tallySet(probes, rule);
  const all = Object.values(perSet);
  const course = perSet[COURSE_SET];
  return {
    rule,
    perSet,
    genuineAccepts: all.reduce((s, t) => s + t.genuineAccepts, 0),
    genuine: all.reduce((s, t) => s + t.genuine, 0),
    falseAccepts: all.reduce((s, t) => s + t.falseAccepts, 0),
    courseRight: course === undefined || course.genuineAccepts === course.genuine,
  };
}

function stricter(a: CandidateRule, b: CandidateRule): number {
  return a.threshold - b.threshold || b.margin - a.margin || (a.ratio ?? 1) - (b.ratio ?? 1);
}

/** The rule with the most genuine accepts, no false accept and the course right; the strictest among equals. */
export function chooseRule(tallies: readonly RuleTally[]): RuleTally | undefined {
  const safe = tallies.filter((t) => t.falseAccepts === 0 && t.courseRight);
  return [...safe].sort((a, b) => b.genuineAccepts - a.genuineAccepts || stricter(a.rule, b.rule))[0];
}

/**
 * For each number of false accepts up to `most`, the rule (course right) with the most genuine accepts at no more
 * false accepts than that: what each further genuine accept costs. Rules that gain nothing over a line above are
 * left out.
 */
export function frontier(tallies: readonly RuleTally[], most: number): RuleTally[] {
  const lines: RuleTally[] = [];
  for (let allowed = 0; allowed <= most; allowed += 1) {
    const best = [...tallies]
      .filter((t) => t.courseRight && t.falseAccepts <= allowed)
      .sort((a, b) => b.genuineAccepts - a.genuineAccepts || a.falseAccepts - b.falseAccepts || stricter(a.rule, b.rule))[0];
    const previous = lines[lines.length - 1];
    if (best !== undefined && (previous === undefined || best.genuineAccepts > previous.genuineAccepts)) lines.push(best);
  }
  return lines;
}

/** Who a probe is about, for splitting people into halves: its expected person, else its file's person folder. */
export function personOf(probe: RankedProbe): string {
  if (probe.expected !== null) return probe.expected;
  return /^(?:people|strangers)\/([^/]+)\//.exec(probe.name)?.[1] ?? probe.name;
}

function half(person: string): 0 | 1 {
  let hash = 0;
  for (const ch of person) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_003;
  return (hash % 2) as 0 | 1;
}

export function splitHalves(sets: Record<string, readonly RankedProbe[]>): [Record<string, RankedProbe[]>, Record<string, RankedProbe[]>] {
  const halves: [Record<string, RankedProbe[]>, Record<string, RankedProbe[]>] = [{}, {}];
  for (const [name, probes] of Object.entries(sets)) {
    halves[0][name] = probes.filter((p) => half(personOf(p)) === 0);
    halves[1][name] = probes.filter((p) => half(personOf(p)) === 1);
  }
  return halves;
}

export interface CrossCheck {
  readonly fittedOn: 0 | 1;
  readonly rule: CandidateRule | undefined;
  readonly onOtherHalf: RuleTally | undefined;
}

/** Fit the rule on one half of the people, count it on the other: how far the choice carries to unseen people. */
export function crossCheck(sets: Record<string, readonly RankedProbe[]>, rules: readonly CandidateRule[]): CrossCheck[] {
  const halves = splitHalves(sets);
  return ([0, 1] as const).map((fittedOn) => {
    const chosen = chooseRule(rules.map((r) => tallyRule(halves[fittedOn], r)));
    const other = halves[fittedOn === 0 ? 1 : 0];
    return { fittedOn, rule: chosen?.rule, onOtherHalf: chosen && tallyRule(other, chosen.rule) };
  });
}

export function isRule(rule: CandidateRule, rules: MatchRules): boolean {
  return rule.ratio === undefined && Math.abs(rule.threshold - rules.distanceThreshold) < 1e-9 && Math.abs(rule.margin - rules.margin) < 1e-9;
}

export function describeRule(rule: CandidateRule): string {
  return rule.ratio === undefined ? `T=${rule.threshold.toFixed(2)} M=${rule.margin.toFixed(2)}` : `T=${rule.threshold.toFixed(2)} ratio<=${rule.ratio}`;
}
