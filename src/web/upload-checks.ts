import sharp, { type Metadata } from 'sharp';
import { InvalidInputError, UnsupportedMediaError } from '../domain/errors.js';
import {
  ACCEPTED_SHARP_FORMATS,
  MAX_IMAGE_PIXELS,
  imageLooksComplete,
  readImageSize,
  sniffImageFormat,
} from '../domain/image-structure.js';

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
