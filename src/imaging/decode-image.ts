/**
 * Untrusted image bytes → RGB pixels, the steps every model family shares (src/recognition for faces, src/models
 * for objects and custom models): the accepted formats and pixel bound checked before decoding, EXIF orientation
 * applied, alpha flattened on white, sRGB, three 8-bit channels. Each family resizes and frames on top.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { UnsupportedMediaError } from '../domain/errors.js';
import { ACCEPTED_SHARP_FORMATS, MAX_IMAGE_PIXELS } from '../domain/image-structure.js';
import type { RgbPixels } from './pixels.js';

/** Every sharp input of untrusted bytes: the pixel bound, and a corrupt file is an error rather than grey. */
const SHARP_INPUT = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' } as const;

export interface OrientedSize {
  readonly width: number;
  readonly height: number;
}

/** The size of untrusted bytes as shown (EXIF orientation applied); UnsupportedMediaError unless an accepted, sane image. */
export async function readOrientedSize(bytes: Buffer): Promise<OrientedSize> {
  if (bytes.length === 0) throw new UnsupportedMediaError('the image is empty');
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, SHARP_INPUT).metadata();
  } catch (error) {
    throw new UnsupportedMediaError('the bytes are not a decodable image', { cause: error });
  }
  if (!ACCEPTED_SHARP_FORMATS.has(metadata.format)) {
    throw new UnsupportedMediaError(`image format "${metadata.format}" is not accepted`);
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!(width > 0 && height > 0)) throw new UnsupportedMediaError('the image has no pixels');
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new UnsupportedMediaError(`the image is ${width}x${height}, more than ${MAX_IMAGE_PIXELS} pixels`);
  }
  return { width, height };
}

/**
 * Untrusted bytes opened for decoding: EXIF orientation applied, alpha flattened on white, sRGB. `ignoreIcc`
 * skips the colour-profile transform (for a profile that is sRGB already: see domain/icc-profile.ts).
 */
export function openImage(bytes: Buffer, options: { readonly ignoreIcc?: boolean } = {}): Sharp {
  return sharp(bytes, { ...SHARP_INPUT, autoOrient: true, ignoreIcc: options.ignoreIcc ?? false })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
}

/** The pipeline's RGB pixels; UnsupportedMediaError when the bytes do not decode to three channels. */
export async function rgbPixelsOf(pipeline: Sharp): Promise<RgbPixels> {
  try {
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new UnsupportedMediaError('the image could not be decoded', { cause: error });
  }
}
