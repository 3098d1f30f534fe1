import sharp, { type Metadata } from 'sharp';
import { InvalidInputError, UnsupportedMediaError } from '../domain/errors.js';
import {
  ACCEPTED_SHARP_FORMATS,
  MAX_IMAGE_PIXELS,
  imageLooksComplete,
  readImageSize,
  sniffImageFormat,
} from '../domain/image-structure.js';


/** File names are kept under this many UTF-8 bytes: file systems allow 255, and atomic writes add a suffix. */
const MAX_NAME_BYTES = 200;
/** An extension longer than this is not kept apart when a name is shortened. */
const MAX_KEPT_EXTENSION = 16;

/** The longest prefix of `text` (whole characters) that fits in `bytes` bytes of UTF-8. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  for (const character of text) {
    if (Buffer.byteLength(out + character) > bytes) break;
    out += character;
  }
  return out;
}

/**
 * Reduces an uploaded file name to a safe base name: no folders, no control characters, no leading dots,
 * at most 200 bytes of UTF-8 (a longer stem is cut, whole characters only, and the extension kept).
 * `test_000.jpg` stays `test_000.jpg`. The answer's stem is this name's stem.
 */
export function safeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  if (cleaned.length === 0) return 'upload';
  if (Buffer.byteLength(cleaned) <= MAX_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= MAX_KEPT_EXTENSION ? cleaned.slice(dot) : '';
  const stem = extension === '' ? cleaned : cleaned.slice(0, dot);
  return cutToBytes(stem, MAX_NAME_BYTES - Buffer.byteLength(extension)) + extension;
}

/**
 * Throws InvalidInputError for an empty file and UnsupportedMediaError for anything that is not a complete
 * image of an accepted format: magic bytes, sharp's header parse (dimensions, pixel limit) and the format's end
 * marker. Pixels are not decoded here (see image-structure.ts); the worker's decoder recovers damaged data
 * where it can and answers 415 where it cannot.
 */
export async function checkDecodableImage(bytes: Buffer): Promise<{ format: string; width: number; height: number }> {
  if (bytes.length === 0) throw new InvalidInputError('the uploaded file is empty');
  const sniffed = sniffImageFormat(bytes);
  if (!sniffed) throw new UnsupportedMediaError('the uploaded file is not a decodable image (send JPEG, PNG, WebP, GIF, TIFF or AVIF)');
  const size = readImageSize(sniffed, bytes);
  const { format, width, height } = size ? { format: sniffed, ...size } : await headerBySharp(bytes);
  if (!width || !height) throw new UnsupportedMediaError('the uploaded image has no size in its header');
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new UnsupportedMediaError(`image of ${width}×${height} pixels is larger than ${MAX_IMAGE_PIXELS} pixels`);
  }
  if (!imageLooksComplete(sniffed, bytes)) throw new UnsupportedMediaError('the uploaded image is truncated');
  return { format, width, height };
}

/** TIFF and HEIF/AVIF headers are read by sharp (libvips); the common formats are parsed in JavaScript. */
async function headerBySharp(bytes: Buffer): Promise<{ format: string; width?: number; height?: number }> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  } catch (error) {
    throw new UnsupportedMediaError('the uploaded file is not a decodable image', { cause: error });
  }
  const { format, width, height } = metadata;
  if (!format || !ACCEPTED_SHARP_FORMATS.has(format)) {
    throw new UnsupportedMediaError(`unsupported image format ${format ?? 'unknown'}; send JPEG, PNG, WebP, GIF, TIFF or AVIF`);
  }
  return { format, width, height };
}
