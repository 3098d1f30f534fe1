import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/domain/errors.js';
import { fileStem, parseCsvRows, parseExpectedLabels, readExpectedLabels } from '../../src/load/expected-labels.js';

describe('fileStem', () => {
  test('drops the folder and the last extension', () => {
    assert.equal(fileStem('/data/face_images_100/test_00.jpg'), 'test_00');
    assert.equal(fileStem('test_00.JPEG'), 'test_00');
    assert.equal(fileStem('a.b.png'), 'a.b');
    assert.equal(fileStem('noext'), 'noext');
  });
});

describe('parseExpectedLabels', () => {
  test('the course layout: Image,Results header then stem,label rows', () => {
    const labels = parseExpectedLabels('Image,Results\ntest_00,Paul\ntest_01,Emily\n');
    assert.deepEqual([...labels], [
      ['test_00', 'Paul'],
      ['test_01', 'Emily'],
    ]);
  });

  test('tolerates a BOM, CRLF, blank lines and trailing spaces', () => {
    const labels = parseExpectedLabels('\uFEFFImage,Results\r\n\r\ntest_00 , Paul \r\n\r\ntest_01,Emily\r\n\r\n');
    assert.deepEqual([...labels], [
      ['test_00', 'Paul'],
      ['test_01', 'Emily'],
    ]);
  });

  test('quoted cells with commas, escaped quotes and line breaks', () => {
    const labels = parseExpectedLabels('"Image","Results"\n"test_00","Smith, John"\ntest_01,"The ""Rock"""\n"test_02","two\nlines"\n');
    assert.equal(labels.get('test_00'), 'Smith, John');
    assert.equal(labels.get('test_01'), 'The "Rock"');
    assert.equal(labels.get('test_02'), 'two\nlines');
  });

  test('columns in any order and case, extra columns ignored, image extensions stripped', () => {
    const labels = parseExpectedLabels('id,results,IMAGE\n1,Paul,test_00.jpg\n2,Emily,test_01.PNG\n3,Bob,mr.smith\n');
    assert.deepEqual([...labels], [
      ['test_00', 'Paul'],
      ['test_01', 'Emily'],
      ['mr.smith', 'Bob'],
    ]);
  });

  test('rejects a CSV without the Image and Results columns', () => {
    assert.throws(() => parseExpectedLabels('File,Label\ntest_00,Paul\n'), (e: unknown) => e instanceof InvalidInputError && /Image and Results/.test(e.message));
    assert.throws(() => parseExpectedLabels('Image\ntest_00\n'), InvalidInputError);
    assert.throws(() => parseExpectedLabels(''), InvalidInputError);
  });

  test('rejects rows with a missing cell, conflicting duplicates and an unterminated quote', () => {
    assert.throws(() => parseExpectedLabels('Image,Results\ntest_00,Paul\ntest_01\n'), /line 3/);
    assert.throws(() => parseExpectedLabels('Image,Results\ntest_00,Paul\ntest_00.jpg,Emily\n'), /both Paul and Emily/);
    assert.throws(() => parseExpectedLabels('Image,Results\n"test_00,Paul\n'), /unterminated/);
    assert.equal(parseExpectedLabels('Image,Results\ntest_00,Paul\ntest_00,Paul\n').size, 1);
  });

  test('parseCsvRows reports the line each row starts on', () => {
    const rows = parseCsvRows('a,b\n\n"x\ny",z\nlast,row');
    assert.deepEqual(rows, [
      { line: 1, cells: ['a', 'b'] },
      { line: 3, cells: ['x\ny', 'z'] },
      { line: 5, cells: ['last', 'row'] },
    ]);
  });
});

describe('readExpectedLabels', () => {
  test('reads a file; a missing file is invalid input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-csv-'));
    try {
      const path = join(dir, 'expected.csv');
      await writeFile(path, 'Image,Results\r\ntest_00,Paul\r\n');
      assert.equal((await readExpectedLabels(path)).get('test_00'), 'Paul');
      await assert.rejects(readExpectedLabels(join(dir, 'missing.csv')), InvalidInputError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
