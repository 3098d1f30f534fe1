/**
 * Where a run's files go: bench/results/<YYYY-MM-DD>.json and .svg, or <YYYY-MM-DD>-<HHMM> when that date
 * already has a result (then -<HHMM>-2, -3 ... should two runs finish in the same minute).
 */
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidNumericFields, type BenchResult } from './result.js';
import { renderSvgReport } from './report-svg.js';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local calendar date, YYYY-MM-DD. */
export function dateStamp(at: Date): string {
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** A base name (no extension) not used yet by any file in `existing` (names with extensions). */
export function chooseResultName(at: Date, existing: ReadonlySet<string>): string {
  const taken = (base: string) => existing.has(`${base}.json`) || existing.has(`${base}.svg`);
  const day = dateStamp(at);
  if (!taken(day)) return day;
  const minute = `${day}-${two(at.getHours())}${two(at.getMinutes())}`;
  if (!taken(minute)) return minute;
  for (let n = 2; ; n += 1) if (!taken(`${minute}-${n}`)) return `${minute}-${n}`;
}

/** Pretty JSON, except that each timeline array stays on one line (hundreds of samples). */
export function resultJson(result: BenchResult): string {
  const marker = '"@timeline@"';
  const columns = Object.entries(result.timeline).map(([name, values]) => `    ${JSON.stringify(name)}: ${JSON.stringify(values)}`);
  const text = JSON.stringify({ ...result, timeline: '@timeline@' }, null, 2);
  return `${text.replace(marker, () => `{\n${columns.join(',\n')}\n  }`)}\n`;
}

export interface WrittenResult {
  readonly jsonPath: string;
  readonly svgPath: string;
}

/** Writes the JSON and the SVG report; refuses a result whose headline fields are not numbers. */
export async function writeResultFiles(dir: string, result: BenchResult, at: Date): Promise<WrittenResult> {
  const invalid = invalidNumericFields(result);
  if (invalid.length > 0) throw new Error(`result fields are not numbers: ${invalid.join(', ')}`);
  await mkdir(dir, { recursive: true });
  const name = chooseResultName(at, new Set(await readdir(dir)));
  const jsonPath = join(dir, `${name}.json`);
  const svgPath = join(dir, `${name}.svg`);
  await writeFile(jsonPath, resultJson(result));
  await writeFile(svgPath, renderSvgReport(result));
  return { jsonPath, svgPath };
}
