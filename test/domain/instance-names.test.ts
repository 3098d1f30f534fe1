import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instanceName, instanceNumber, lowestFreeNames } from '../../src/domain/instance-names.js';

describe('instance names', () => {
  test('app-tier-instance-<n> builds and parses; other names have no number', () => {
    assert.equal(instanceName(7), 'app-tier-instance-7');
    assert.equal(instanceNumber('app-tier-instance-12'), 12);
    for (const other of ['app-tier-instance-x', 'web-1', 'app-tier-instance-', 'xapp-tier-instance-3', 'app-tier-instance-3b']) {
      assert.equal(instanceNumber(other), undefined, other);
    }
  });

  test('the lowest free numbers are given out first, ignoring names that are not ours', () => {
    assert.deepEqual(lowestFreeNames(['app-tier-instance-2', 'web-1', 'app-tier-instance-x'], 2), ['app-tier-instance-1', 'app-tier-instance-3']);
    assert.deepEqual(lowestFreeNames(['app-tier-instance-1', 'app-tier-instance-3'], 3), ['app-tier-instance-2', 'app-tier-instance-4', 'app-tier-instance-5']);
    assert.deepEqual(lowestFreeNames([], 0), []);
  });
});
