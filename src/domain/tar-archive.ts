/**
 * Reads the regular files of a tar archive (ustar, pax and GNU long names), gzip-compressed or not, from bytes
 * in memory, within bounds. Pure: nothing is written anywhere, so a path cannot escape a folder; still, an archive
 * whose paths climb (`..`), start at the root, or that holds links or devices is refused as a whole (a hostile
 * or foreign archive), as is one over the entry count or that expands past the byte bound (a gzip bomb).
 */
import { gunzipSync } from 'node:zlib';
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaError } from './errors.js';

export interface ArchiveLimits {
  /** Entries of any kind (files, folders, headers). */
  readonly maxEntries: number;
  /** The archive after decompression. */
  readonly maxBytes: number;
  /** One file. */
  readonly maxFileBytes: number;
}

export interface ArchiveFile {
  /** The path as stored, with `/` separators (checked: relative, no `.`/`..` parts). */
  readonly path: string;
  readonly bytes: Buffer;
}

const BLOCK = 512;

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

/** The archive's tar bytes: gunzipped within `maxBytes` (a bomb stops at the bound, never expands in full). */
function tarBytesOf(bytes: Buffer, limits: ArchiveLimits): Buffer {
  if (isZip(bytes)) throw new UnsupportedMediaError('zip archives are not read; send a tar or tar.gz (tar -czf photos.tgz <folder>) or the photos as multipart files');
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: limits.maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new PayloadTooLargeError(`the archive expands past ${limits.maxBytes} bytes (a fixed limit)`, { cause: error });
    }
    throw new InvalidInputError(`the gzip stream could not be read: ${(error as Error).message}`, { cause: error });
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number, what: string): number {
  if ((block[start]! & 0x80) !== 0) throw new PayloadTooLargeError(`a tar entry's ${what} is too large`);
  const digits = text(block, start, length).trim();
  const value = digits === '' ? 0 : Number.parseInt(digits, 8);
  if (!Number.isFinite(value) || value < 0) throw new InvalidInputError(`not a tar archive (a header's ${what} is not a number)`);
  return value;
}

function checkHeader(block: Buffer): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== octal(block, 148, 8, 'checksum')) throw new InvalidInputError('not a tar archive (a header checksum does not match)');
}

/** A relative path of plain parts, `/`-separated; anything else refuses the archive. */
export function checkedEntryPath(raw: string): string {
  const path = raw.replace(/^\.\/+/, '');
  const parts = path.split('/').filter((part, index, all) => part !== '' || index !== all.length - 1);
  if (raw.startsWith('/') || raw.includes('\\') || raw.includes('\0') || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new InvalidInputError(`refused: the entry "${raw.slice(0, 200)}" is not a plain relative path (no "..", no leading "/")`);
  }
  return parts.join('/');
}

/** `path=` of a pax extended header (other records are ignored). */
function paxPath(data: Buffer): string | undefined {
  let found: string | undefined;
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/s.exec(record);
    if (match) found = match[1];
  }
  return found;
}

const LINK_OR_DEVICE = new Set(['1', '2', '3', '4', '6']);

/** The regular files of the archive, in order; folders and global headers are skipped. */
export function readTarFiles(archive: Buffer, limits: ArchiveLimits): ArchiveFile[] {
  const tar = tarBytesOf(archive, limits);
  const files: ArchiveFile[] = [];
  let nextPath: string | undefined;
  let entries = 0;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    checkHeader(header);
    if (++entries > limits.maxEntries) throw new PayloadTooLargeError(`the archive holds more than ${limits.maxEntries} entries (a fixed limit)`);
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new InvalidInputError('the tar archive is cut short');
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    const prefix = text(header, 345, 155);
    const path = nextPath ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    if (type === 'x' || type === 'L') {
      nextPath = type === 'x' ? paxPath(data) : text(data, 0, data.length);
      continue;
    }
    nextPath = undefined;
    if (LINK_OR_DEVICE.has(type)) throw new InvalidInputError(`refused: "${path.slice(0, 200)}" is a link or a device; send plain files`);
    if (type === 'g') continue; // a global header: metadata only
    const checked = checkedEntryPath(path);
    if (type !== '0' && type !== '\0' && type !== '7') continue; // folders, other metadata
    if (size > limits.maxFileBytes) throw new PayloadTooLargeError(`"${checked}" is larger than ${limits.maxFileBytes} bytes, the limit of one photo`);
    files.push({ path: checked, bytes: Buffer.from(data) });
  }
  return files;
}
