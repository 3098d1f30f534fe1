/**
 * The accuracy bench's rule fitting, printed: genuine accepts and false accepts for every threshold x margin
 * (and the ratio rules measured beside them), the rule that accepts the most genuine matches with no false accept
 * (rule-fit.ts), the default rule beside it per probe set, and the same choice fitted on half the people and
 * counted on the other half.
 */
import type { MatchRules } from '../../src/recognition/matcher.js';
import type { SetResult } from './report.js';
import {
  FIT_MARGINS,
  FIT_RATIOS,
  FIT_THRESHOLDS,
  candidateRules,
  chooseRule,
  crossCheck,
  describeRule,
  frontier,
  isRule,
  tallyRule,
  type CrossCheck,
  type RankedProbe,
  type RuleTally,
} from './rule-fit.js';

export interface RuleFit {
  readonly current: RuleTally;
  readonly chosen: RuleTally | undefined;
  /** Every candidate rule's totals (per set only for the rules above and the frontier, to keep the JSON small). */
  readonly tradeOff: readonly Omit<RuleTally, 'perSet'>[];
  readonly crossCheck: readonly CrossCheck[];
  readonly frontier: readonly RuleTally[];
}

function cell(t: RuleTally | undefined): string {
  return t ? `${t.genuineAccepts}/${t.falseAccepts}${t.courseRight ? '' : 'c'}` : '-';
}

function printTradeOff(tallies: readonly RuleTally[], current: MatchRules): void {
  const find = (threshold: number, pick: (t: RuleTally) => boolean) => tallies.find((t) => t.rule.threshold === threshold && pick(t));
  const genuine = tallies[0]?.genuine ?? 0;
  console.log(`\ntrade-off: genuine accepts (of ${genuine}) / false accepts (stranger or wrong person named), all sets; c = a course image not named`);
  console.log(`  T     ${FIT_MARGINS.map((m) => `M=${m.toFixed(2)}`.padEnd(10)).join('')}${FIT_RATIOS.map((r) => `ratio<=${r}`.padEnd(12)).join('')}`);
  for (const threshold of FIT_THRESHOLDS) {
    const byMargin = FIT_MARGINS.map((margin) => {
      const t = find(threshold, (x) => x.rule.ratio === undefined && x.rule.margin === margin);
      return `${t && isRule(t.rule, current) ? '*' : ''}${cell(t)}`.padEnd(10);
    });
    const byRatio = FIT_RATIOS.map((ratio) => cell(find(threshold, (x) => x.rule.ratio === ratio)).padEnd(12));
    console.log(`  ${threshold.toFixed(2)}  ${byMargin.join('')}${byRatio.join('')}`);
  }
}

function printSideBySide(current: RuleTally, chosen: RuleTally | undefined): void {
  console.log(`\ngenuine accepts / false accepts per set: default ${describeRule(current.rule)} | no false accept: ${chosen ? describeRule(chosen.rule) : '(no such rule)'}`);
  for (const [name, before] of Object.entries(current.perSet)) {
    const after = chosen?.perSet[name];
    const fmt = (t: typeof before | undefined) => (t ? `${t.genuineAccepts}/${t.genuine} named right, ${t.falseAccepts} named wrong` : '-');
    console.log(`  ${name.padEnd(30)} ${fmt(before).padEnd(36)} | ${fmt(after)}`);
  }
  const total = (t: RuleTally | undefined) => (t ? `${t.genuineAccepts}/${t.genuine}, ${t.falseAccepts} false` : '-');
  console.log(`  ${'all'.padEnd(30)} ${total(current).padEnd(36)} | ${total(chosen)}`);
}

function printFrontier(lines: readonly RuleTally[], current: MatchRules): void {
  console.log('\nthe most genuine accepts at each number of false accepts (course images all named):');
  for (const t of lines) console.log(`  ${t.falseAccepts} false: ${describeRule(t.rule).padEnd(20)} ${t.genuineAccepts}/${t.genuine}${isRule(t.rule, current) ? '  (the default)' : ''}`);
}

function printCrossCheck(checks: readonly CrossCheck[]): void {
  console.log('\nfitted on half of the people, counted on the other half:');
  for (const c of checks) {
    const other = c.onOtherHalf;
    const counted = other ? `${other.genuineAccepts}/${other.genuine} genuine accepted, ${other.falseAccepts} false accepts` : '-';
    console.log(`  half ${c.fittedOn}: ${c.rule ? describeRule(c.rule) : 'no rule'} -> other half ${counted}`);
  }
}

export function fitRule(results: readonly SetResult[], current: MatchRules): RuleFit {
  const sets: Record<string, readonly RankedProbe[]> = Object.fromEntries(results.map((r) => [r.name, r.ranked]));
  const rules = candidateRules();
  const tradeOff = rules.map((rule) => tallyRule(sets, rule));
  const currentTally = tallyRule(sets, { threshold: current.distanceThreshold, margin: current.margin });
  const chosen = chooseRule(tradeOff);
  const checks = crossCheck(sets, rules);
  printTradeOff(tradeOff, current);
  printSideBySide(currentTally, chosen);
  const lines = frontier(tradeOff, Math.max(currentTally.falseAccepts + 6, 10));
  printFrontier(lines, current);
  printCrossCheck(checks);
  const totals = tradeOff.map(({ perSet: _perSet, ...rest }) => rest);
  return { current: currentTally, chosen, tradeOff: totals, crossCheck: checks, frontier: lines };
}
