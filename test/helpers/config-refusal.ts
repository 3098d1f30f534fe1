/** The message of the ConfigInvalidError that `run` throws; fails the test when it throws something else or nothing. */
import assert from 'node:assert/strict';
import { ConfigInvalidError } from '../../src/domain/errors.js';

export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigInvalidError, `got ${String(error)}`);
    return error.message;
  }
  return assert.fail('expected ConfigInvalidError');
}
