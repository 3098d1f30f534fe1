/**
 * Image bytes -> the RGB pixels the face model sees, and the way back from model coordinates to the
 * caller's image. Applies EXIF orientation, shrinks huge images, and pads small ones with mirrored
 * edges: faces in 64x64 crops fill the frame, and the tiny detector only finds them with some context.
 */
import { jpegHasSrgbProfile } from '../domain/icc-profile.js';
import { MAX_IMAGE_PIXELS, readImageSize, sniffImageFormat } from '../domain/image-structure.js';
import { openImage, readOrientedSize, rgbPixelsOf, type OrientedSize } from '../imaging/decode-image.js';
import type { RgbPixels } from '../imaging/pixels.js';
import type { FaceBox } from '../ports/recognizer.js';
import { mirrorPad } from './mirror-pad.js';

export type { RgbPixels } from '../imaging/pixels.js';

export interface FramingSettings {
  /** Images whose longer side is at most this get a mirrored border before detection. */
  readonly padUpToSide: number;
  /** Border width per side, as a fraction of the image's width (left/right) or height (top/bottom). */
  readonly padFraction: number;
  /** Larger images are shrunk so their longer side is this (the detector sees at most 416 px anyway). */
  readonly maxWorkingSide: number;
}

export const DEFAULT_FRAMING: FramingSettings = { padUpToSide: 512, padFraction: 0.25, maxWorkingSide: 2048 };

/** The pixels handed to the model and how they relate to the original (EXIF-oriented) image. */
export interface DetectionFrame {
  readonly pixels: RgbPixels;
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** Working pixels per original pixel (1 unless the image was shrunk). */
  readonly scale: number;
  /** Mirrored border added on the left/right and top/bottom, in working pixels. */
  readonly padX: number;
  readonly padY: number;
}

async function decodeToRgb(bytes: Buffer, size: OrientedSize, scale: number): Promise<RgbPixels> {
  // An sRGB profile converts sRGB to sRGB: skipping the transform saves most of a small JPEG's decoding time.
  let pipeline = openImage(bytes, { ignoreIcc: jpegHasSrgbProfile(bytes) });
  if (scale < 1) {
    const width = Math.max(1, Math.round(size.width * scale));
    const height = Math.max(1, Math.round(size.height * scale));
    pipeline = pipeline.resize(width, height, { fit: 'fill' });
  }
  return rgbPixelsOf(pipeline);
}

function borderFor(side: number, fraction: number): number {
  return Math.max(0, Math.min(Math.round(side * fraction), side - 1));
}

/**
 * The oriented size and working scale, and the decoded pixels. Common formats small enough not to be shrunk
 * take one trip through sharp: their header is read in JavaScript and the decoder reports the oriented size.
 */
async function decodeScaled(bytes: Buffer, framing: FramingSettings): Promise<{ size: OrientedSize; scale: number; decoded: RgbPixels }> {
  const format = sniffImageFormat(bytes);
  const header = format && readImageSize(format, bytes);
  if (header && header.width * header.height <= MAX_IMAGE_PIXELS && Math.max(header.width, header.height) <= framing.maxWorkingSide) {
    const decoded = await decodeToRgb(bytes, header, 1);
    return { size: { width: decoded.width, height: decoded.height }, scale: 1, decoded };
  }
  const size = await readOrientedSize(bytes);
  const scale = Math.min(1, framing.maxWorkingSide / Math.max(size.width, size.height));
  return { size, scale, decoded: await decodeToRgb(bytes, size, scale) };
}

/** Decodes untrusted bytes for detection. Throws UnsupportedMediaError for anything but a sane image. */
export async function decodeForDetection(
  bytes: Buffer,
  framing: FramingSettings = DEFAULT_FRAMING,
): Promise<DetectionFrame> {
  const { size, scale, decoded } = await decodeScaled(bytes, framing);
  const frame = { originalWidth: size.width, originalHeight: size.height, scale };
  if (Math.max(decoded.width, decoded.height) > framing.padUpToSide) {
    return { ...frame, pixels: decoded, padX: 0, padY: 0 };
  }
  const padX = borderFor(decoded.width, framing.padFraction);
  const padY = borderFor(decoded.height, framing.padFraction);
  if (padX === 0 && padY === 0) return { ...frame, pixels: decoded, padX, padY };
  return { ...frame, pixels: mirrorPad(decoded, padX, padY), padX, padY };
}

/** A box found in the working frame, in the original image's pixels, clipped to the image. */
export function toOriginalBox(box: FaceBox, frame: DetectionFrame): FaceBox {
  const left = clamp((box.x - frame.padX) / frame.scale, 0, frame.originalWidth);
  const top = clamp((box.y - frame.padY) / frame.scale, 0, frame.originalHeight);
  const right = clamp((box.x + box.width - frame.padX) / frame.scale, 0, frame.originalWidth);
  const bottom = clamp((box.y + box.height - frame.padY) / frame.scale, 0, frame.originalHeight);
  return { x: round2(left), y: round2(top), width: round2(right - left), height: round2(bottom - top) };
}

/** A point of the detection frame in the original image's pixels (not clamped: a landmark may lie past the edge). */
export function toOriginalPoint(point: { x: number; y: number }, frame: DetectionFrame): { x: number; y: number } {
  return { x: round2((point.x - frame.padX) / frame.scale), y: round2((point.y - frame.padY) / frame.scale) };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
