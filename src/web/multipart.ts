import type { FastifyRequest } from 'fastify';
import { InvalidInputError, PayloadTooLargeError, ScalefaceError } from '../domain/errors.js';
import { MULTIPART_FRAMING_BYTES } from '../domain/upload-limits.js';

export interface UploadedFile {
  readonly fieldName: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

function requireMultipart(request: FastifyRequest, expected: string): void {
  if (!request.isMultipart()) {
    throw new InvalidInputError(`expected a multipart/form-data body with a file field "${expected}"`);
  }
}

const SIZE_LIMIT_CODES = new Set(['FST_REQ_FILE_TOO_LARGE', 'FST_FILES_LIMIT', 'FST_PARTS_LIMIT']);

/**
 * What went wrong while reading the parts, as the client's fault: over a limit → 413; anything the parser
 * refused (a boundary that does not match the header, a body cut short, a malformed part header) → 400.
 */
function readFailure(error: unknown, maxBytes: number): never {
  if (error instanceof ScalefaceError) throw error;
  const code = (error as { code?: string }).code;
  if (code !== undefined && SIZE_LIMIT_CODES.has(code)) {
    throw new PayloadTooLargeError(`the upload is larger than ${maxBytes} bytes or has too many parts`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  throw new InvalidInputError(`the multipart/form-data body could not be read: ${reason}`, { cause: error });
}

/**
 * Reads the one file of field `fieldName`; 400 when it is missing, misnamed, sent twice or the body is
 * malformed, 413 when over the limit. The whole body is read, so that a second file cannot hide.
 */
export async function readSingleFile(request: FastifyRequest, fieldName: string, maxBytes: number): Promise<UploadedFile> {
  requireMultipart(request, fieldName);
  if (Number(request.headers['content-length'] ?? 0) > maxBytes + MULTIPART_FRAMING_BYTES) {
    throw new PayloadTooLargeError(`the upload is larger than ${maxBytes} bytes`);
  }
  let found: UploadedFile | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 2, parts: 20 } })) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== fieldName || found !== undefined) {
        part.file.resume(); // a refused part is discarded, so the parser never stalls on it
        throw new InvalidInputError(
          found === undefined
            ? `the file field must be named "${fieldName}", got "${part.fieldname}"`
            : `send one file in "${fieldName}", got more than one`,
        );
      }
      found = { fieldName, fileName: part.filename, bytes: await part.toBuffer() };
    }
  } catch (error) {
    readFailure(error, maxBytes);
  }
  if (found === undefined) throw new InvalidInputError(`no file in field "${fieldName}"`);
  return found;
}

/** Reads every file of the request (at most `maxFiles`), whatever their field names. */
export async function readAllFiles(request: FastifyRequest, maxBytes: number, maxFiles: number): Promise<UploadedFile[]> {
  requireMultipart(request, 'photos');
  const files: UploadedFile[] = [];
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: maxFiles, parts: maxFiles + 20 } })) {
      if (part.type !== 'file') continue;
      files.push({ fieldName: part.fieldname, fileName: part.filename, bytes: await part.toBuffer() });
    }
  } catch (error) {
    readFailure(error, maxBytes);
  }
  if (files.length === 0) throw new InvalidInputError('no photo files in the request');
  return files;
}
