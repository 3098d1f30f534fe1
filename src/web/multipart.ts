import type { FastifyRequest } from 'fastify';
import { InvalidInputError, PayloadTooLargeError } from '../domain/errors.js';

/** Room for multipart headers and small text fields beside the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

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

function tooLarge(error: unknown, maxBytes: number): never {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
    throw new PayloadTooLargeError(`the upload is larger than ${maxBytes} bytes or has too many parts`, { cause: error });
  }
  throw error;
}

/** Reads the one file of field `fieldName`; 400 when it is missing or misnamed, 413 when over the limit. */
export async function readSingleFile(request: FastifyRequest, fieldName: string, maxBytes: number): Promise<UploadedFile> {
  requireMultipart(request, fieldName);
  if (Number(request.headers['content-length'] ?? 0) > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw new PayloadTooLargeError(`the upload is larger than ${maxBytes} bytes`);
  }
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, parts: 20 } })) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== fieldName) {
        part.file.resume();
        throw new InvalidInputError(`the file field must be named "${fieldName}", got "${part.fieldname}"`);
      }
      const bytes = await part.toBuffer();
      return { fieldName, fileName: part.filename, bytes };
    }
  } catch (error) {
    tooLarge(error, maxBytes);
  }
  throw new InvalidInputError(`no file in field "${fieldName}"`);
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
    tooLarge(error, maxBytes);
  }
  if (files.length === 0) throw new InvalidInputError('no photo files in the request');
  return files;
}
