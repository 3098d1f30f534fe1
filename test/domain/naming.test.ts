import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../src/domain/errors.js';
import { safeFileName, validateSubjectName } from '../../src/domain/naming.js';

describe('validateSubjectName', () => {
  const accepted: [string, string][] = [
    ['Paul', 'Paul'],
    ['person-07', 'person-07'],
    ['Mary Ann_O.Neil', 'Mary Ann_O.Neil'],
    ['Zoë', 'Zoë'],
    ['Zoe\u0308', 'Zoë'], // decomposed input comes back NFC
    ['李小龙', '李小龙'],
    ['a'.repeat(64), 'a'.repeat(64)],
    ['a..b', 'a..b'],
  ];
  for (const [input, expected] of accepted) {
    test(`accepts ${JSON.stringify(input)}`, () => assert.equal(validateSubjectName(input), expected));
  }

  const refused: unknown[] = [
    '',
    'a'.repeat(65),
    '.',
    '..',
    '.hidden',
    '../etc',
    'a/b',
    'a\\b',
    ' leading',
    'trailing ',
    'tab\there',
    'new\nline',
    'nul\0',
    'semi;colon',
    'Unknown',
    'noface',
    42,
    undefined,
  ];
  for (const input of refused) {
    test(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => validateSubjectName(input), InvalidInputError));
  }
});

describe('safeFileName', () => {
  const cases: [string | undefined, string][] = [
    ['test_000.jpg', 'test_000.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['.hidden.jpg', 'hidden.jpg'],
    ['a\u0000b.jpg', 'a_b.jpg'],
    ['<script>.jpg', '_script_.jpg'],
    ['', 'upload'],
    [undefined, 'upload'],
    ['...', 'upload'],
    ['été à la plage.jpeg', 'été à la plage.jpeg'],
    ['Zoe\u0308.png', 'Zoë.png'],
    // The storage adapters' temporary-file suffix never reaches a key: not in the name, not in its stem.
    ['y.sf-tmp.jpg', 'y_sf-tmp.jpg'],
    ['y.sf-tmp', 'y_sf-tmp'],
    ['Y.SF-TMP.JPG', 'Y_SF-TMP.JPG'],
    ['a.sf-tmp.sf-tmp.png', 'a_sf-tmp_sf-tmp.png'],
  ];
  for (const [raw, expected] of cases) {
    test(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(safeFileName(raw), expected));
  }
  test('a caller may name what an empty name becomes', () => assert.equal(safeFileName('....', 'photo'), 'photo'));
  test('long names are cut to 200 bytes of UTF-8, keeping the extension and whole characters', () => {
    assert.equal(safeFileName('x'.repeat(500) + '.jpg'), 'x'.repeat(196) + '.jpg');
    const multibyte = safeFileName('é'.repeat(300) + '.png');
    assert.ok(Buffer.byteLength(multibyte) <= 200, `${Buffer.byteLength(multibyte)} bytes`);
    assert.ok(multibyte.endsWith('.png') && !multibyte.includes('\uFFFD'));
    assert.equal(safeFileName('a'.repeat(300)), 'a'.repeat(200));
  });
});
