/**
 * The photos of a bulk enrollment as the request carries them: multipart files in field `photos` named
 * `<subject>/<photo>` (their paths kept), or one tar / tar.gz in field `archive` with a folder per subject
 * (optionally inside one top folder). Entries that are not `<subject>/<photo>` photos are refused one by one.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidInputError, PayloadTooLargeError } from '../domain/errors.js';
import { checkedEntryPath, readTarFiles, type ArchiveFile } from '../domain/tar-archive.js';
import { MAX_BULK_ENROLLMENT_BYTES, MAX_PHOTOS_PER_BULK_ENROLLMENT } from '../domain/upload-limits.js';
import { readFailure, requireMultipart, type PartLimits } from './multipart.js';

export interface BulkPhoto {
  readonly subject: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

/** A file that was not enrolled, and why. */
export interface BulkRefusal {
  /** Its path in the request. */
  readonly file: string;
  readonly subject?: string;
  readonly reason: string;
}

export interface BulkUpload {
  readonly photos: BulkPhoto[];
  readonly refused: BulkRefusal[];
}

const PHOTO_EXTENSION = /\.(jpe?g|png|webp)$/i;

/** One top folder shared by every path (`gallery/Ann/1.jpg`) is dropped. */
function withoutCommonRoot(paths: readonly string[]): string[] {
  const split = paths.map((path) => path.split('/'));
  const root = split[0]?.[0];
  const shared = split.length > 0 && split.every((parts) => parts.length === 3 && parts[0] === root);
  return split.map((parts) => (shared ? parts.slice(1) : parts).join('/'));
}

/** Which subject each file is for; files not laid out as `<subject>/<photo>` are refused. */
export function bulkPhotosOf(files: readonly ArchiveFile[]): BulkUpload {
  const relative = withoutCommonRoot(files.map((file) => file.path));
  const upload: BulkUpload = { photos: [], refused: [] };
  for (const [index, file] of files.entries()) {
    const parts = relative[index]!.split('/');
    if (parts.length !== 2) {
      upload.refused.push({ file: file.path, reason: 'not in a subject folder: name it <subject>/<photo>' });
    } else if (!PHOTO_EXTENSION.test(parts[1]!) || parts[1]!.startsWith('.')) {
      upload.refused.push({ file: file.path, subject: parts[0], reason: 'not a photo (.jpg, .jpeg, .png or .webp)' });
    } else {
      upload.photos.push({ subject: parts[0]!, fileName: parts[1]!, bytes: file.bytes });
    }
  }
  if (upload.photos.length > MAX_PHOTOS_PER_BULK_ENROLLMENT) {
    throw new PayloadTooLargeError(`send at most ${MAX_PHOTOS_PER_BULK_ENROLLMENT} photos per bulk enrollment (a fixed limit); split the folder`);
  }
  return upload;
}

/** Reads the request's files (paths kept) within the bulk bounds: 413 past them, 400 for a malformed body or path. */
async function readPathFiles(request: FastifyRequest, maxUploadBytes: number): Promise<{ field: string; files: ArchiveFile[] }> {
  requireMultipart(request, 'photos');
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BULK_ENROLLMENT_BYTES) throw new PayloadTooLargeError(`a bulk enrollment carries at most ${MAX_BULK_ENROLLMENT_BYTES} bytes; split it`);
  const limits: PartLimits = { fileSize: Math.max(maxUploadBytes, MAX_BULK_ENROLLMENT_BYTES), files: MAX_PHOTOS_PER_BULK_ENROLLMENT, parts: MAX_PHOTOS_PER_BULK_ENROLLMENT + 10 };
  const files: ArchiveFile[] = [];
  let field: string | undefined;
  let total = 0;
  try {
    for await (const part of request.parts({ limits, preservePath: true })) {
      if (part.type !== 'file') continue;
      if ((part.fieldname !== 'photos' && part.fieldname !== 'archive') || (field !== undefined && (field !== part.fieldname || field === 'archive'))) {
        part.file.resume();
        throw new InvalidInputError('send the photos in field "photos" (named <subject>/<photo>) or one tar / tar.gz in field "archive", not both');
      }
      field = part.fieldname;
      const bytes = await part.toBuffer();
      total += bytes.length;
      if (total > MAX_BULK_ENROLLMENT_BYTES) throw new PayloadTooLargeError(`a bulk enrollment carries at most ${MAX_BULK_ENROLLMENT_BYTES} bytes; split it`);
      if (field === 'photos' && bytes.length > maxUploadBytes) throw new PayloadTooLargeError(`"${part.filename}" is larger than ${maxUploadBytes} bytes, the limit web.maxUploadBytes`);
      files.push({ path: field === 'photos' ? checkedEntryPath(part.filename) : part.filename, bytes });
    }
  } catch (error) {
    readFailure(error, limits);
  }
  if (field === undefined) throw new InvalidInputError('no files: send photos named <subject>/<photo> in field "photos", or a tar in field "archive"');
  return { field, files };
}

export async function readBulkUpload(request: FastifyRequest, maxUploadBytes: number): Promise<BulkUpload> {
  const { field, files } = await readPathFiles(request, maxUploadBytes);
  if (field === 'photos') return bulkPhotosOf(files);
  const limits = { maxEntries: 2 * MAX_PHOTOS_PER_BULK_ENROLLMENT + 100, maxBytes: MAX_BULK_ENROLLMENT_BYTES, maxFileBytes: maxUploadBytes };
  return bulkPhotosOf(readTarFiles(files[0]!.bytes, limits));
}
