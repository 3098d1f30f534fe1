import type { FastifyRequest } from 'fastify';
import { settingLabel } from '../config/index.js';
import { InvalidInputError, PayloadTooLargeError, ScalefaceError, UnsupportedMediaError } from '../domain/errors.js';
import { MULTIPART_FRAMING_BYTES } from '../domain/upload-limits.js';

export interface UploadedFile {
  readonly fieldName: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

/** What a client that sent anything else should send instead, in the form most clients start from. */
export function multipartHint(field: string, contentType: string | undefined): string {
  const sent = contentType === undefined || contentType === '' ? 'no Content-Type' : `Content-Type "${contentType}"`;
  return `send the image as multipart/form-data with the file in field "${field}" (curl -F ${field}=@photo.jpg <url>), not as the raw body; got ${sent}`;
}

export function requireMultipart(request: FastifyRequest, expected: string): void {
  if (!request.isMultipart()) throw new InvalidInputError(multipartHint(expected, request.headers['content-type']));
}

/**
 * The framework refuses a body type no parser takes (an image sent raw: curl --data-binary) before a route runs;
 * on a route that reads files that refusal becomes the hint. Any other error is returned as it is.
 */
export function withMultipartHint(error: unknown, request: FastifyRequest): unknown {
  const field = request.routeOptions.config.multipartField;
  if (field === undefined || (error as { code?: string }).code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return error;
  return new UnsupportedMediaError(multipartHint(field, request.headers['content-type']), { cause: error });
}

/** The one upload limit a client can meet, named with the setting that raises it. */
export function uploadLimitMessage(maxBytes: number): string {
  return `the upload is larger than ${maxBytes} bytes, the limit ${settingLabel(['web', 'maxUploadBytes'])}`;
}

export interface PartLimits {
  readonly fileSize: number;
  readonly files: number;
  readonly parts: number;
}

/**
 * What went wrong while reading the parts, as the client's fault: over a limit → 413; anything the parser
 * refused (a boundary that does not match the header, a body cut short, a malformed part header) → 400.
 */
export function readFailure(error: unknown, limits: PartLimits): never {
  if (error instanceof ScalefaceError) throw error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLargeError(uploadLimitMessage(limits.fileSize), { cause: error });
  if (code === 'FST_FILES_LIMIT') throw new PayloadTooLargeError(`send at most ${limits.files} files per request (a fixed limit)`, { cause: error });
  if (code === 'FST_PARTS_LIMIT') {
    throw new PayloadTooLargeError(`too many parts: at most ${limits.parts} form fields and files per request (a fixed limit)`, { cause: error });
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
    throw new PayloadTooLargeError(uploadLimitMessage(maxBytes));
  }
  let found: UploadedFile | undefined;
  const limits = { fileSize: maxBytes, files: 2, parts: 20 };
  try {
    for await (const part of request.parts({ limits })) {
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
    readFailure(error, limits);
  }
  if (found === undefined) throw new InvalidInputError(`no file in field "${fieldName}"`);
  return found;
}

/** Reads every file of the request (at most `maxFiles`), whatever their field names. */
export async function readAllFiles(request: FastifyRequest, maxBytes: number, maxFiles: number): Promise<UploadedFile[]> {
  requireMultipart(request, 'photos');
  const files: UploadedFile[] = [];
  const limits = { fileSize: maxBytes, files: maxFiles, parts: maxFiles + 20 };
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type !== 'file') continue;
      files.push({ fieldName: part.fieldname, fileName: part.filename, bytes: await part.toBuffer() });
    }
  } catch (error) {
    readFailure(error, limits);
  }
  if (files.length === 0) throw new InvalidInputError('no photo files in the request');
  return files;
}
