import sharp, { type Metadata } from 'sharp';
import { settingLabel } from '../config/index.js';
import { InvalidInputError, UnsupportedMediaError } from '../domain/errors.js';
import {
  ACCEPTED_SHARP_FORMATS,
  DEFAULT_DECODE_ALLOWANCE,
  MAX_IMAGE_PIXELS,
  allowedPixels,
  imageLooksComplete,
  type DecodeAllowance,
  readImageSize,
  sniffImageFormat,
} from '../domain/image-structure.js';

/**
 * Throws InvalidInputError for an empty file and UnsupportedMediaError for anything that is not a complete
 * image of an accepted format: magic bytes, sharp's header parse (dimensions, the pixels its size in bytes may
 * buy under `allowance`) and the format's end marker. Pixels are not decoded here (see image-structure.ts); the
 * worker's decoder recovers damaged data where it can and answers 415 where it cannot.
 */
export async function checkDecodableImage(
  bytes: Buffer,
  allowance: DecodeAllowance = DEFAULT_DECODE_ALLOWANCE,
): Promise<{ format: string; width: number; height: number }> {
  if (bytes.length === 0) throw new InvalidInputError('the uploaded file is empty');
  const sniffed = sniffImageFormat(bytes);
  if (!sniffed) throw new UnsupportedMediaError('the uploaded file is not a decodable image (send JPEG, PNG, WebP, GIF, TIFF or AVIF)');
  const size = readImageSize(sniffed, bytes);
  const { format, width, height } = size ? { format: sniffed, ...size } : await headerBySharp(bytes);
  if (!width || !height) throw new UnsupportedMediaError('the uploaded image has no size in its header');
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new UnsupportedMediaError(`image of ${width}×${height} pixels is larger than ${MAX_IMAGE_PIXELS} pixels`);
  }
  checkDecodeCost(width, height, bytes.length, allowance);
  if (!imageLooksComplete(sniffed, bytes)) throw new UnsupportedMediaError('the uploaded image is truncated');
  return { format, width, height };
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} MP`;
}

/** An image declaring more pixels than its bytes may buy (see DecodeAllowance) is refused, saying the rule. */
function checkDecodeCost(width: number, height: number, size: number, allowance: DecodeAllowance): void {
  const allowed = allowedPixels(size, allowance);
  if (width * height <= allowed) return;
  throw new UnsupportedMediaError(
    `image of ${width}×${height} pixels (${megapixels(width * height)}) in a file of ${size} bytes: a file this size may declare at most `
      + `${megapixels(allowed)} (the larger of ${megapixels(allowance.minPixels)} and ${allowance.pixelsPerByte} pixels per byte); `
      + `send it smaller in pixels, or less compressed (the rule's settings: ${settingLabel(['web', 'minDecodePixels'])} and ${settingLabel(['web', 'decodePixelsPerByte'])})`,
  );
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
