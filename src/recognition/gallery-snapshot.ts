/**
 * The gallery's binary objects (layout in gallery-layout.ts): a snapshot (the whole gallery as one
 * CompactGallery) and log records (one change each). Both are one blob: 4 magic bytes, a u32 header length,
 * the header as JSON, zero padding to a multiple of 4, then little-endian arrays, so a reader wraps typed
 * arrays around the bytes it got (no copy, no parse of the descriptors).
 */
import { InvalidInputError } from '../domain/errors.js';
import { DESCRIPTOR_DIMS, type CompactGallery } from './compact-gallery.js';
import { parseModelIdentity, type ModelIdentity } from './model-identity.js';

const SNAPSHOT_MAGIC = 'SFGS';
const RECORD_MAGIC = 'SFGL';
const FORMAT = 1;

interface Blob {
  readonly header: Record<string, unknown>;
  readonly arrays: readonly (Uint32Array | Float32Array)[];
}

function encodeBlob(magic: string, blob: Blob): Buffer {
  const header = Buffer.from(JSON.stringify(blob.header));
  const headerEnd = 8 + header.length;
  const pad = (4 - (headerEnd % 4)) % 4;
  const parts: Buffer[] = [Buffer.from(magic, 'latin1'), Buffer.alloc(4), header, Buffer.alloc(pad)];
  parts[1]!.writeUInt32LE(header.length, 0);
  for (const array of blob.arrays) parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
  return Buffer.concat(parts);
}

/** Reads typed arrays out of a blob's body in order; views when aligned, else one copy. */
class BodyReader {
  private at: number;
  private readonly bytes: Buffer;

  constructor(bytes: Buffer, start: number) {
    // Typed arrays need 4-byte alignment: a small Buffer from Node's pool may sit anywhere in it.
    this.bytes = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    this.at = start;
  }

  take<T extends Uint32Array | Float32Array>(kind: new (buffer: ArrayBufferLike, offset: number, length: number) => T, length: number, where: string): T {
    if (this.at + length * 4 > this.bytes.length) throw new InvalidInputError(`${where} is truncated`);
    const array = new kind(this.bytes.buffer, this.bytes.byteOffset + this.at, length);
    this.at += length * 4;
    return array;
  }
}

function decodeBlob(magic: string, bytes: Buffer, where: string): { header: Record<string, unknown>; body: BodyReader } {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== magic) throw new InvalidInputError(`${where} is not a ${magic} object`);
  const length = bytes.readUInt32LE(4);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + length)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidInputError(`${where} has no readable header`, { cause: error });
  }
  if (header.format !== FORMAT) throw new InvalidInputError(`${where} is of format ${String(header.format)}, not ${FORMAT}`);
  const headerEnd = 8 + length;
  return { header, body: new BodyReader(bytes, headerEnd + ((4 - (headerEnd % 4)) % 4)) };
}

export interface Snapshot {
  readonly gallery: CompactGallery;
  readonly model: ModelIdentity;
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const { gallery, model } = snapshot;
  const lists = gallery.lists;
  const header = {
    format: FORMAT,
    model,
    dims: DESCRIPTOR_DIMS,
    examples: gallery.vectors.length / DESCRIPTOR_DIMS,
    lists: lists === undefined ? 0 : lists.subjectStarts.length - 1,
    trainedOn: lists?.trainedOn ?? 0,
    names: gallery.names,
  };
  const arrays = lists === undefined ? [gallery.starts, gallery.vectors] : [gallery.starts, lists.subjectStarts, lists.centroids, gallery.vectors];
  return encodeBlob(SNAPSHOT_MAGIC, { header, arrays });
}

function modelOf(header: Record<string, unknown>, where: string): ModelIdentity {
  const model = parseModelIdentity(header.model);
  if (model === undefined) throw new InvalidInputError(`${where} names no valid model`);
  return model;
}

export function decodeSnapshot(bytes: Buffer, where: string): Snapshot {
  const { header, body } = decodeBlob(SNAPSHOT_MAGIC, bytes, where);
  const names = header.names;
  if (!Array.isArray(names) || header.dims !== DESCRIPTOR_DIMS) throw new InvalidInputError(`${where} has no subject names`);
  const examples = Number(header.examples);
  const listCount = Number(header.lists);
  const starts = body.take(Uint32Array, names.length + 1, where);
  const lists =
    listCount === 0
      ? undefined
      : {
          subjectStarts: body.take(Uint32Array, listCount + 1, where),
          centroids: body.take(Float32Array, listCount * DESCRIPTOR_DIMS, where),
          trainedOn: Number(header.trainedOn),
        };
  const vectors = body.take(Float32Array, examples * DESCRIPTOR_DIMS, where);
  if (starts[names.length] !== examples) throw new InvalidInputError(`${where}: example ranges do not cover its examples`);
  const gallery = { names: names.map(String), starts, vectors, ...(lists === undefined ? {} : { lists }) };
  return { gallery, model: modelOf(header, where) };
}

/** One change since the snapshot: a subject's whole set of examples now, or its removal. */
export type GalleryChange =
  | { readonly op: 'enroll'; readonly subject: string; readonly descriptors: readonly Float32Array[] }
  | { readonly op: 'delete'; readonly subject: string };

export function encodeRecord(change: GalleryChange, model: ModelIdentity): Buffer {
  if (change.op === 'delete') return encodeBlob(RECORD_MAGIC, { header: { format: FORMAT, op: 'delete', subject: change.subject, model }, arrays: [] });
  const vectors = new Float32Array(change.descriptors.length * DESCRIPTOR_DIMS);
  change.descriptors.forEach((d, i) => vectors.set(d, i * DESCRIPTOR_DIMS));
  const header = { format: FORMAT, op: 'enroll', subject: change.subject, examples: change.descriptors.length, model };
  return encodeBlob(RECORD_MAGIC, { header, arrays: [vectors] });
}

export function decodeRecord(bytes: Buffer, where: string): { change: GalleryChange; model: ModelIdentity } {
  const { header, body } = decodeBlob(RECORD_MAGIC, bytes, where);
  const model = modelOf(header, where);
  if (typeof header.subject !== 'string') throw new InvalidInputError(`${where} names no subject`);
  if (header.op === 'delete') return { change: { op: 'delete', subject: header.subject }, model };
  if (header.op !== 'enroll') throw new InvalidInputError(`${where}: unknown change ${String(header.op)}`);
  const vectors = body.take(Float32Array, Number(header.examples) * DESCRIPTOR_DIMS, where);
  const descriptors: Float32Array[] = [];
  for (let at = 0; at < vectors.length; at += DESCRIPTOR_DIMS) descriptors.push(vectors.subarray(at, at + DESCRIPTOR_DIMS));
  return { change: { op: 'enroll', subject: header.subject, descriptors }, model };
}
