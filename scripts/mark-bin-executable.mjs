// tsc writes new files without the execute bit, and npm marks a bin executable only when it links one that exists:
// in a clone the bin is built after `npm ci` linked it, so the build marks it (npx runs it through sh, by its path).
import { chmodSync, readFileSync, statSync } from 'node:fs';

const { bin } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const target of Object.values(bin)) {
  const path = new URL(`../${target}`, import.meta.url);
  chmodSync(path, statSync(path).mode | 0o111);
}
