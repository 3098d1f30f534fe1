// The simulator's figures of two builds side by side: ours and the old "clairvoyant" row of the build before, ours
// and the lower bound of the build after, per trace and boot profile.
// Usage: node scripts/simulate-before-after.mjs <dir of the build before> [<dir of the build after, default .>]
// (each dir holds dist/src/cli/main.js; build the earlier commit in a copy: git archive <commit> | tar -x -C DIR).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [before, after = '.'] = process.argv.slice(2);
if (before === undefined) {
  console.error('usage: node scripts/simulate-before-after.mjs <dir before> [<dir after>]');
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), 'simulate-before-after-'));

function rows(dir, profile) {
  const file = join(out, `${profile}-${dir.replace(/\W/g, '_')}.json`);
  execFileSync(process.execPath, [join(resolve(dir), 'dist/src/cli/main.js'), 'simulate', '--boot', profile, '--json', file], { stdio: 'ignore' });
  return JSON.parse(readFileSync(file, 'utf8'));
}

const cell = (rs, trace, policy) => rs.find((r) => r.trace === trace && r.policy === policy)?.instance_seconds;
console.log('| profile | trace | ours before | "clairvoyant" before | ours ÷ it | ours after | lower bound | ours ÷ bound |');
console.log('|---|---|---|---|---|---|---|---|');
for (const profile of ['stopped-fleet', 'fresh-boot', 'local']) {
  const old = rows(before, profile);
  const now = rows(after, profile);
  for (const trace of [...new Set(now.map((r) => r.trace))]) {
    const [ob, oc, na, lb] = [cell(old, trace, 'scaleface'), cell(old, trace, 'clairvoyant'), cell(now, trace, 'scaleface'), cell(now, trace, 'lower-bound')];
    const ratio = (a, b) => (a === undefined || !b ? '' : (a / b).toFixed(2));
    console.log(`| ${profile} | ${trace} | ${ob?.toFixed(0)} | ${oc?.toFixed(0)} | ${ratio(ob, oc)} | ${na?.toFixed(0)} | ${lb?.toFixed(0)} | ${ratio(na, lb)} |`);
  }
}
