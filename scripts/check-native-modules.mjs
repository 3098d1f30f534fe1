// Loads every native module scaleface uses, in this Node, before the tests run: one built for another Node's ABI
// (npm ci run by another Node, or npm's nodedir naming another Node's headers) is named with both ABI versions
// and the command that fixes it, exit 78, instead of failing tests one by one far from the cause.
// Usage: node scripts/check-native-modules.mjs (after npm run build)
import { createRequire } from 'node:module';
import { nativeModuleMismatch } from '../dist/src/domain/native-modules.js';
import { preferredSqliteDriver } from '../dist/src/adapters/queue/sqlite-driver.js';

const require = createRequire(import.meta.url);

/** Each check loads the module's native part, as scaleface does (sharp at import, better-sqlite3 at open). */
const checks = {
  sharp: () => require('sharp'),
  'onnxruntime-node': () => require('onnxruntime-node'),
  'better-sqlite3': () => new (require('better-sqlite3'))(':memory:').close(),
};
// better-sqlite3 is an optional dependency, needed (and so checked) only where Node has no node:sqlite.
const needed = preferredSqliteDriver() === 'better-sqlite3' ? Object.keys(checks) : ['sharp', 'onnxruntime-node'];

const failures = [];
for (const name of needed) {
  try {
    checks[name]();
  } catch (error) {
    const mismatch = nativeModuleMismatch(error);
    failures.push(mismatch === undefined ? `${name}: ${error.message}` : `${mismatch.code}: ${mismatch.message}`);
  }
}
if (failures.length > 0) {
  for (const failure of failures) console.error(`scaleface: ${failure}`);
  process.exit(78);
}
console.error(`native modules load in Node ${process.version} (queue driver: ${preferredSqliteDriver()}): ${needed.join(', ')}`);
