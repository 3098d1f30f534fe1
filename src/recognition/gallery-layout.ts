/**
 * How the gallery lives in its bucket (shared by GalleryAdmin, which writes it, and GalleryCache,
 * which reads it):
 *   subjects/<name>/<photo-file>   the enrolled photos, as uploaded
 *   descriptors/<name>.json        every example descriptor of that subject, with its source photo key
 *   manifest.json                  { version } - a new version after every change; readers poll it
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { NO_FACE_LABEL, UNKNOWN_LABEL } from '../ports/recognizer.js';

export const MANIFEST_KEY = 'manifest.json';
export const DESCRIPTORS_PREFIX = 'descriptors/';
export const SUBJECTS_PREFIX = 'subjects/';
const DESCRIPTORS_SUFFIX = '.json';
const FORMAT = 1;
const DESCRIPTOR_LENGTH = 128;

const SUBJECT_NAME = /^[\p{L}\p{N} _.-]{1,64}$/u;
const RESERVED_NAMES = new Set([UNKNOWN_LABEL, NO_FACE_LABEL].map((n) => n.toLowerCase()));

/** One enrolled example: a descriptor of a photo or of a degraded copy of it. */
export interface StoredExample {
  /** Key of the source photo in the bucket. */
  readonly photo: string;
  /** Which copy of the photo: `original`, `mirror`, `64q50`, ... */
  readonly variant: string;
  readonly descriptor: Float32Array;
}

export interface SubjectDescriptors {
  readonly subject: string;
  readonly examples: readonly StoredExample[];
}

/**
 * Checks a subject name and returns it NFC-normalized: 1..64 letters, digits, spaces and `_-.`,
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

/** A safe file name for a stored photo: the upload's base name with anything unusual replaced by `_`. */
export function sanitizePhotoFileName(fileName: string): string {
  const base = fileName.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  if (safe.length > 100) {
    const dot = safe.lastIndexOf('.');
    const extension = dot > 0 && safe.length - dot <= 8 ? safe.slice(dot) : '';
    safe = safe.slice(0, 100 - extension.length) + extension;
  }
  return safe === '' ? 'photo' : safe;
}

export function photoKey(subject: string, safeFileName: string): string {
  return `${SUBJECTS_PREFIX}${subject}/${safeFileName}`;
}

export function subjectPhotosPrefix(subject: string): string {
  return `${SUBJECTS_PREFIX}${subject}/`;
}

export function descriptorsKey(subject: string): string {
  return `${DESCRIPTORS_PREFIX}${subject}${DESCRIPTORS_SUFFIX}`;
}

/** The subject a descriptors key belongs to, or undefined for keys that are not descriptors files. */
export function subjectOfDescriptorsKey(key: string): string | undefined {
  if (!key.startsWith(DESCRIPTORS_PREFIX) || !key.endsWith(DESCRIPTORS_SUFFIX)) return undefined;
  const name = key.slice(DESCRIPTORS_PREFIX.length, -DESCRIPTORS_SUFFIX.length);
  return name.includes('/') ? undefined : name;
}

function encodeDescriptor(descriptor: Float32Array): string {
  const copy = Float32Array.from(descriptor); // own, aligned buffer; little-endian on every supported CPU
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64');
}

function decodeDescriptor(text: unknown, where: string): Float32Array {
  if (typeof text !== 'string') throw new InvalidInputError(`${where}: descriptor is not a string`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== DESCRIPTOR_LENGTH * 4) throw new InvalidInputError(`${where}: descriptor has ${bytes.length} bytes`);
  const descriptor = new Float32Array(DESCRIPTOR_LENGTH);
  for (let i = 0; i < DESCRIPTOR_LENGTH; i += 1) descriptor[i] = bytes.readFloatLE(i * 4);
  return descriptor;
}

export function serializeDescriptors(file: SubjectDescriptors): Buffer {
  const examples = file.examples.map((e) => ({
    photo: e.photo,
    variant: e.variant,
    descriptor: encodeDescriptor(e.descriptor),
  }));
  return Buffer.from(JSON.stringify({ format: FORMAT, subject: file.subject, examples }));
}

/** Parses a descriptors file; throws InvalidInputError when it is not one. */
export function parseDescriptors(body: Buffer, where: string): SubjectDescriptors {
  let value: { format?: unknown; subject?: unknown; examples?: unknown };
  try {
    value = JSON.parse(body.toString('utf8')) as typeof value;
  } catch (error) {
    throw new InvalidInputError(`${where} is not JSON`, { cause: error });
  }
  if (value.format !== FORMAT || typeof value.subject !== 'string' || !Array.isArray(value.examples)) {
    throw new InvalidInputError(`${where} is not a descriptors file of format ${FORMAT}`);
  }
  const examples = (value.examples as { photo?: unknown; variant?: unknown; descriptor?: unknown }[]).map((e) => ({
    photo: String(e.photo),
    variant: String(e.variant),
    descriptor: decodeDescriptor(e.descriptor, where),
  }));
  return { subject: value.subject, examples };
}

/** Announces a change: readers re-read the gallery when the manifest's version (and etag) changes. */
export async function bumpManifest(store: ObjectStore, bucket: string, reason: string): Promise<string> {
  const version = randomUUID();
  const body = JSON.stringify({ format: FORMAT, version, updatedAt: new Date().toISOString(), reason });
  await store.put(bucket, MANIFEST_KEY, Buffer.from(body), { contentType: 'application/json' });
  return version;
}
