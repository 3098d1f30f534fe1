/**
 * Subject names and stored file names: rules that every entry point shares (the API's routes, the CLI, the
 * gallery), so a name one of them accepts is accepted by all. Names are Unicode, normalised to NFC (the
 * composed form: "José" typed either way is one subject and one key).
 */
import { InvalidInputError } from './errors.js';

/** The label of a face that matches no enrolled subject. */
export const UNKNOWN_LABEL = 'Unknown';
/** The label of an image in which no face was found. */
export const NO_FACE_LABEL = 'NoFace';

/** 1..64 Unicode letters or digits, spaces and `_-.`. */
const SUBJECT_NAME = /^[\p{L}\p{N} _.-]{1,64}$/u;
const RESERVED_NAMES = new Set([UNKNOWN_LABEL, NO_FACE_LABEL].map((n) => n.toLowerCase()));

/**
 * What the storage adapters append to their temporary files (`<key>.<random>.sf-tmp`, renamed into place): no
 * stored key may contain it, so no key is taken for a temporary file or collides with one.
 */
export const RESERVED_KEY_SUFFIX = '.sf-tmp';
const RESERVED_IN_NAME = /\.(sf-tmp)/giu;

/** File names are kept under this many UTF-8 bytes: file systems allow 255, and atomic writes add a suffix. */
export const MAX_FILE_NAME_BYTES = 200;
/** An extension longer than this is not kept apart when a name is shortened. */
const MAX_KEPT_EXTENSION = 16;

/**
 * Checks a subject name and returns it NFC-normalised: 1..64 letters, digits, spaces and `_-.`,
 * no leading dot or space, no trailing space, not a reserved label. Throws InvalidInputError.
 */
export function validateSubjectName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidInputError('subject name must be a string');
  const normalized = name.normalize('NFC');
  if (!SUBJECT_NAME.test(normalized)) {
    throw new InvalidInputError('subject name must be 1..64 letters, digits, spaces or "_-."');
  }
  if (/^[. ]|[ ]$/.test(normalized)) {
    throw new InvalidInputError('subject name must not start with a dot or a space, nor end with a space');
  }
  if (RESERVED_NAMES.has(normalized.toLowerCase())) {
    throw new InvalidInputError(`"${normalized}" is a reserved label, not a subject name`);
  }
  return normalized;
}

/**
 * Reduces a client's file name to a safe base name for a storage key: no folders, only letters, digits and
 * `._ -` (anything else becomes `_`), no leading dots, the reserved `.sf-tmp` written `_sf-tmp` (`y.sf-tmp.jpg`
 * → `y_sf-tmp.jpg`: neither the name nor its stem, the label's key, can pass for a temporary file), NFC, at
 * most 200 bytes of UTF-8 (a longer stem is cut, whole characters only, and the extension kept).
 * `test_000.jpg` stays `test_000.jpg`; a name with nothing left becomes `fallback`.
 */
export function safeFileName(raw: string | undefined, fallback = 'upload'): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^[.\s]+/, '')
    .replace(RESERVED_IN_NAME, '_$1')
    .trim();
  if (cleaned.length === 0) return fallback;
  if (Buffer.byteLength(cleaned) <= MAX_FILE_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= MAX_KEPT_EXTENSION ? cleaned.slice(dot) : '';
  const stem = extension === '' ? cleaned : cleaned.slice(0, dot);
  return cutToBytes(stem, MAX_FILE_NAME_BYTES - Buffer.byteLength(extension)) + extension;
}

/** The longest prefix of `text` (whole characters) that fits in `bytes` bytes of UTF-8. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  for (const character of text) {
    if (Buffer.byteLength(out + character) > bytes) break;
    out += character;
  }
  return out;
}
