import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../domain/errors.js';
import { MULTIPART_FRAMING_BYTES } from '../domain/upload-limits.js';
import { PayloadTooLargeError } from '../domain/errors.js';
import { readFailure, requireMultipart, uploadLimitMessage, type PartLimits } from './multipart.js';

/** The named files and text fields of a small form (a verification's two photos, or a photo and a subject). */
export interface FormParts {
  readonly files: ReadonlyMap<string, Buffer>;
  readonly texts: ReadonlyMap<string, string>;
}

export interface FormShape {
  /** File fields taken, one file each. */
  readonly files: readonly string[];
  /** Text fields taken (at most 1024 characters each). */
  readonly texts: readonly string[];
}

const MAX_TEXT_CHARS = 1024;

/**
 * Reads a form of named parts: any other field, a field sent twice or a body over the limits is refused (400,
 * 413). The whole body is read, so that nothing hides after the parts taken.
 */
export async function readForm(request: FastifyRequest, maxBytes: number, shape: FormShape): Promise<FormParts> {
  requireMultipart(request, shape.files[0] ?? 'file');
  if (Number(request.headers['content-length'] ?? 0) > shape.files.length * maxBytes + MULTIPART_FRAMING_BYTES) {
    throw new PayloadTooLargeError(uploadLimitMessage(maxBytes));
  }
  const files = new Map<string, Buffer>();
  const texts = new Map<string, string>();
  const limits: PartLimits = { fileSize: maxBytes, files: shape.files.length, parts: shape.files.length + shape.texts.length };
  const refuse = (field: string, expected: readonly string[]) => {
    const known = expected.length === 0 ? 'none' : expected.map((name) => `"${name}"`).join(', ');
    return new InvalidInputError(`unexpected or repeated field "${field}" (fields taken: ${known})`);
  };
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file') {
        if (!shape.files.includes(part.fieldname) || files.has(part.fieldname)) {
          part.file.resume();
          throw refuse(part.fieldname, shape.files);
        }
        files.set(part.fieldname, await part.toBuffer());
      } else {
        if (!shape.texts.includes(part.fieldname) || texts.has(part.fieldname)) throw refuse(part.fieldname, shape.texts);
        texts.set(part.fieldname, String(part.value).slice(0, MAX_TEXT_CHARS));
      }
    }
  } catch (error) {
    readFailure(error, limits);
  }
  return { files, texts };
}
