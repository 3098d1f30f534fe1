import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendUnavailableError, NativeModuleMismatchError } from '../../src/domain/errors.js';
import { nativeModuleMismatch, packageOfFile } from '../../src/domain/native-modules.js';

/** What Node 24 threw for better-sqlite3 built by Node 20's headers (measured, /work/wt23, 2026-12-07). */
function dlopenFailure(file: string): Error {
  const error = new Error(
    `The module '${file}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\n` +
      'NODE_MODULE_VERSION 137. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).',
  );
  return Object.assign(error, { code: 'ERR_DLOPEN_FAILED' });
}

const SQLITE_FILE = '/srv/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node';

test('a module built for another ABI is named with both versions and the command that fixes it', () => {
  const mismatch = nativeModuleMismatch(dlopenFailure(SQLITE_FILE));
  assert.ok(mismatch instanceof NativeModuleMismatchError);
  assert.equal(mismatch.code, 'NATIVE_MODULE_MISMATCH');
  assert.equal(mismatch.retryable, false);
  assert.match(mismatch.message, /native module better-sqlite3 /);
  assert.match(mismatch.message, /built for NODE_MODULE_VERSION 115, but this Node \(v\d+\.\d+\.\d+\) requires NODE_MODULE_VERSION 137/);
  assert.match(mismatch.message, /`npm rebuild better-sqlite3`/);
});

test('the mismatch is found under a wrapping error (the queue) and inside a wrapping message (sharp)', () => {
  const wrapped = new BackendUnavailableError('cannot open the queue database', { cause: dlopenFailure(SQLITE_FILE) });
  assert.match(nativeModuleMismatch(wrapped)?.message ?? '', /npm rebuild better-sqlite3/);
  const sharpFile = '/srv/app/node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node';
  const sharp = new Error(`Could not load the "sharp" module using the linux-x64 runtime\nERR_DLOPEN_FAILED: ${dlopenFailure(sharpFile).message}\nPossible solutions:`);
  assert.match(nativeModuleMismatch(sharp)?.message ?? '', /npm rebuild @img\/sharp-linux-x64/);
});

test('other errors, a missing module among them, are not mismatches', () => {
  assert.equal(nativeModuleMismatch(new Error("Cannot find module 'better-sqlite3'")), undefined);
  assert.equal(nativeModuleMismatch(Object.assign(new Error('x'), { code: 'ERR_DLOPEN_FAILED' })), undefined);
  assert.equal(nativeModuleMismatch('text'), undefined);
});

test('the package of a native file is the folder under the last node_modules', () => {
  assert.equal(packageOfFile('/a/node_modules/x/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'), 'onnxruntime-node');
  assert.equal(packageOfFile('/a/node_modules/@img/sharp-linux-x64/lib/sharp.node'), '@img/sharp-linux-x64');
  assert.equal(packageOfFile('/opt/addon.node'), 'addon.node');
});
