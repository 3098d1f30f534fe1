/**
 * How the gallery lives in its bucket (shared by GalleryAdmin, which writes it, and GalleryCache,
 * which reads it):
 *   subjects/<name>/<photo-file>   the enrolled photos, as uploaded
 *   descriptors/<name>.json        every example descriptor of that subject, with its source photo key
 *                                  and the model that computed them (format 1 files have none: legacy)
 *   manifest.json                  { version, model, head } - a new version after every change; readers poll it.
 *                                  `model` is what the whole gallery was enrolled with (model-identity.ts);
 *                                  `head` = { snapshot: <id>, log: <records>, subjects } names what workers read:
 *   gallery/snapshots/<id>.bin     every subject's descriptors in one binary object (gallery-snapshot.ts)
 *   gallery/log/<id>/<n>.bin       change n (1, 2, ...) since snapshot <id>: a subject's examples now, or its removal
 * The descriptors files stay what enrollment reads and rewrites per subject; workers read only the snapshot
 * and the log. A gallery without `head` (written before snapshots) is read from its descriptors files, and
 * its first change writes its first snapshot (gallery-writer.ts).
 */
import { randomUUID } from 'node:crypto';
import { GalleryModelMismatchError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { describeModel, parseModelIdentity, sameModel, type ModelIdentity } from './model-identity.js';

export const MANIFEST_KEY = 'manifest.json';
export const DESCRIPTORS_PREFIX = 'descriptors/';
export const SUBJECTS_PREFIX = 'subjects/';
const DESCRIPTORS_SUFFIX = '.json';
const FORMAT = 2;
/** Descriptors files written before galleries recorded their model; still readable, model unknown. */
const LEGACY_FORMAT = 1;
const DESCRIPTOR_LENGTH = 128;

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
  /** The model that computed the descriptors; undefined for a legacy (format 1) file. */
  readonly model?: ModelIdentity;
}

/** Which snapshot and how many log records after it make the gallery now. */
export interface GalleryHead {
  readonly snapshot: string;
  readonly log: number;
  /** Subjects in the snapshot: how long a log it is worth keeping before compacting. */
  readonly subjects: number;
}

export interface GalleryManifest {
  readonly version: string;
  /** Undefined for a gallery written before snapshots: read from its descriptors files. */
  readonly head?: GalleryHead;
  /** Undefined for a manifest written before galleries recorded their model. */
  readonly model?: ModelIdentity;
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

/**
 * Every subject of the bucket (with stored photos or with a descriptors file), sorted by name, and the keys
 * of its stored photos (none for a subject that only has descriptors).
 */
export async function listStoredPhotos(store: ObjectStore, bucket: string): Promise<Map<string, string[]>> {
  const bySubject = new Map<string, string[]>();
  for (const subject of await listDescribedSubjects(store, bucket)) bySubject.set(subject, []);
  for (const file of await store.list(bucket, SUBJECTS_PREFIX)) {
    const [subject, ...rest] = file.key.slice(SUBJECTS_PREFIX.length).split('/');
    if (subject === undefined || subject === '' || rest.join('/') === '') continue;
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), file.key]);
  }
  return new Map([...bySubject].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Subjects with a descriptors file, in listing order; none when the bucket does not exist yet. */
export async function listDescribedSubjects(store: ObjectStore, bucket: string): Promise<string[]> {
  let files: readonly { readonly key: string }[];
  try {
    files = await store.list(bucket, DESCRIPTORS_PREFIX);
  } catch (error) {
    if (error instanceof NotFoundError) return []; // no bucket yet: nobody enrolled
    throw error;
  }
  return files.map((file) => subjectOfDescriptorsKey(file.key)).filter((subject): subject is string => subject !== undefined);
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

/** The file of `subject`'s examples, recording `model` (the one that computed them). */
export function serializeDescriptors(file: Omit<SubjectDescriptors, 'model'>, model: ModelIdentity): Buffer {
  const examples = file.examples.map((e) => ({
    photo: e.photo,
    variant: e.variant,
    descriptor: encodeDescriptor(e.descriptor),
  }));
  return Buffer.from(JSON.stringify({ format: FORMAT, subject: file.subject, model, examples }));
}

/** Parses a descriptors file; throws InvalidInputError when it is not one. */
export function parseDescriptors(body: Buffer, where: string): SubjectDescriptors {
  let value: { format?: unknown; subject?: unknown; model?: unknown; examples?: unknown };
  try {
    value = JSON.parse(body.toString('utf8')) as typeof value;
  } catch (error) {
    throw new InvalidInputError(`${where} is not JSON`, { cause: error });
  }
  const known = value.format === FORMAT || value.format === LEGACY_FORMAT;
  if (!known || typeof value.subject !== 'string' || !Array.isArray(value.examples)) {
    throw new InvalidInputError(`${where} is not a descriptors file of format ${LEGACY_FORMAT} or ${FORMAT}`);
  }
  const model = value.format === FORMAT ? parseModelIdentity(value.model) : undefined;
  if (value.format === FORMAT && model === undefined) throw new InvalidInputError(`${where} names no valid model`);
  const examples = (value.examples as { photo?: unknown; variant?: unknown; descriptor?: unknown }[]).map((e) => ({
    photo: String(e.photo),
    variant: String(e.variant),
    descriptor: decodeDescriptor(e.descriptor, where),
  }));
  return { subject: value.subject, examples, ...(model === undefined ? {} : { model }) };
}

/**
 * Announces a change: readers re-read the gallery when the manifest's version (and etag) changes. `model`
 * is what the gallery is enrolled with (callers make sure every descriptors file agrees); undefined only to
 * keep a legacy gallery's unknown model unknown.
 */
export async function bumpManifest(
  store: ObjectStore,
  bucket: string,
  model: ModelIdentity | undefined,
  reason: string,
  head?: GalleryHead,
): Promise<string> {
  const version = randomUUID();
  const body = JSON.stringify({ format: FORMAT, version, model, head, updatedAt: new Date().toISOString(), reason });
  await store.put(bucket, MANIFEST_KEY, Buffer.from(body), { contentType: 'application/json' });
  return version;
}

/** The manifest, or undefined when there is none (nothing enrolled yet, or no bucket). */
export async function readManifest(store: ObjectStore, bucket: string): Promise<GalleryManifest | undefined> {
  let body: Buffer;
  try {
    body = await store.get(bucket, MANIFEST_KEY);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  let value: { version?: unknown; model?: unknown; head?: unknown };
  try {
    value = JSON.parse(body.toString('utf8')) as typeof value;
  } catch (error) {
    throw new InvalidInputError(`${bucket}/${MANIFEST_KEY} is not JSON`, { cause: error });
  }
  const model = parseModelIdentity(value.model);
  const head = parseHead(value.head);
  return { version: String(value.version), ...(model === undefined ? {} : { model }), ...(head === undefined ? {} : { head }) };
}

function parseHead(value: unknown): GalleryHead | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { snapshot, log, subjects } = value as Record<string, unknown>;
  const count = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  if (typeof snapshot !== 'string' || !/^[0-9a-f-]+$/.test(snapshot) || !count(log) || !count(subjects)) return undefined;
  return { snapshot, log, subjects };
}

export interface ModelCheck {
  readonly bucket: string;
  /** What the gallery's manifest records; undefined for a legacy gallery (none recorded). */
  readonly recorded: ModelIdentity | undefined;
  readonly running: ModelIdentity;
  /** Who runs `running`, for the message: `worker`, `process`. */
  readonly runner: string;
  /** What to do about it, with the command. */
  readonly advice: string;
}

/**
 * The error for a gallery whose recorded model differs from the running one (or is unknown), or undefined
 * when they match. A different enrollment pipeline alone is no mismatch: the descriptors are comparable.
 */
export function modelMismatch(check: ModelCheck): GalleryModelMismatchError | undefined {
  const { recorded, running } = check;
  if (recorded !== undefined && sameModel(recorded, running)) return undefined;
  const enrolled =
    recorded === undefined
      ? 'records no model (enrolled before galleries did)'
      : `was enrolled with ${describeModel(recorded)}`;
  const runs = `this ${check.runner} runs ${running.model} ${running.version}`;
  return new GalleryModelMismatchError(`the gallery in bucket "${check.bucket}" ${enrolled}; ${runs}. ${check.advice}`);
}
