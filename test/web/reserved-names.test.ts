/**
 * A file named like the storage's temporary files (`y.sf-tmp.jpg`, whose stem `y.sf-tmp` would be the label's
 * key) is renamed before anything is stored, and answered like any other upload; no stored key holds the
 * reserved suffix, and the folder store refuses one that does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkObjectKey } from '../../src/adapters/storage/local-folder.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { RESERVED_KEY_SUFFIX } from '../../src/domain/naming.js';
import { blankJpeg } from '../helpers/images.js';
import { postParts, startWebWithWorker, type WebWithWorker } from './support.js';

describe('reserved suffixes in uploaded file names', () => {
  let system: WebWithWorker;
  before(async () => {
    system = await startWebWithWorker({});
  });
  after(async () => {
    await system.stop();
  });

  test('y.sf-tmp.jpg is stored as y_sf-tmp.jpg and answered 200, on POST / and /v1/recognitions', async () => {
    const image = await blankJpeg();
    const plain = await postParts(system.app, '/', [{ name: 'inputFile', filename: 'y.sf-tmp.jpg', content: image }]);
    assert.equal(`${plain.statusCode} ${plain.body}`, '200 y_sf-tmp:NoFace');
    const api = await postParts(system.app, '/v1/recognitions', [{ name: 'inputFile', filename: 'z.SF-TMP', content: image }]);
    assert.equal(api.statusCode, 200, api.body);
    assert.equal((api.json() as { file: string }).file, 'z_SF-TMP');
    const { store, names } = system.backends;
    const keys = [...(await store.list(names.inputBucket)), ...(await store.list(names.outputBucket))].map((o) => o.key);
    assert.deepEqual(keys.sort(), ['y_sf-tmp', 'y_sf-tmp.jpg', 'z_SF-TMP', 'z_SF-TMP'].sort());
    assert.ok(keys.every((key) => !key.toLowerCase().includes(RESERVED_KEY_SUFFIX)));
  });

  test('the folder store refuses a key that ends with the reserved suffix', () => {
    assert.throws(() => checkObjectKey(`y${RESERVED_KEY_SUFFIX}`), InvalidInputError);
  });
});
