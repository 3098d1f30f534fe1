/**
 * Cheap structural checks of image bytes, in JavaScript, without decoding pixels: which container the
 * magic bytes announce, and whether the file is complete (its end marker is there). Decoding a 64×64 JPEG
 * with sharp costs about 2.3 ms of CPU, mostly pipeline set-up; these checks cost microseconds. Damage inside
 * the compressed data is left to the worker's decoder, which recovers what it can (as browsers do) and
 * answers 415 for what it cannot decode at all.
 */
/** Images above this many pixels (width × height, as the file declares them) are refused before decoding. */
export const MAX_IMAGE_PIXELS = 40_000_000;

/**
 * How many pixels an upload may buy with its bytes: decoding (and the model's work on the frame) costs about
 * per pixel, so a small file that declares many pixels (a flat PNG of 6300×6300 in 128 KB) would buy the CPU of
 * many normal images. The rule: pixels allowed = min(MAX_IMAGE_PIXELS, max(minPixels, pixelsPerByte × bytes)).
 */
export interface DecodeAllowance {
  /** Pixels any upload may declare, however small (a blank screenshot compresses to almost nothing). */
  readonly minPixels: number;
  /** Pixels per byte of the file above that floor. */
  readonly pixelsPerByte: number;
}

/** README, "Limits under load", says how these were chosen (photos compress to 2..20 pixels a byte). */
export const DEFAULT_DECODE_ALLOWANCE: DecodeAllowance = { minPixels: 4_000_000, pixelsPerByte: 64 };

/** The pixels an image of `bytes` bytes may declare under `allowance`. */
export function allowedPixels(bytes: number, allowance: DecodeAllowance): number {
  return Math.min(MAX_IMAGE_PIXELS, Math.max(allowance.minPixels, Math.floor(allowance.pixelsPerByte * bytes)));
}

/** Formats as sharp's metadata names them (AVIF is reported as `heif`); the web tier and the decoder accept these. */
export const ACCEPTED_SHARP_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif';

function startsWith(bytes: Buffer, prefix: number[], offset = 0): boolean {
  return prefix.every((b, i) => bytes[offset + i] === b);
}

/** The format the magic bytes announce, or undefined for anything we do not accept (SVG, PDF, text ...). */
export function sniffImageFormat(bytes: Buffer): SniffedFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.subarray(0, 6).toString('latin1').match(/^GIF8[79]a$/)) return 'gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'heif'; // AVIF and HEIF share the ISO-BMFF box
  return undefined;
}

/** JPEG: an end-of-image marker after the first start-of-scan (entropy-coded data cannot contain FF D9). */
function jpegComplete(bytes: Buffer): boolean {
  const scan = bytes.indexOf(Buffer.from([0xff, 0xda]), 2);
  return scan > 0 && bytes.indexOf(Buffer.from([0xff, 0xd9]), scan + 2) > 0;
}

/** PNG: an IEND chunk. */
function pngComplete(bytes: Buffer): boolean {
  return bytes.lastIndexOf(Buffer.from('IEND', 'latin1')) > 8;
}

/** GIF: the trailer byte 0x3B ends the data (trailing zero padding allowed). */
function gifComplete(bytes: Buffer): boolean {
  let end = bytes.length - 1;
  while (end > 0 && bytes[end] === 0) end--;
  return bytes[end] === 0x3b;
}

/** WebP: the RIFF size field covers no more than the bytes present. */
function webpComplete(bytes: Buffer): boolean {
  return bytes.length >= 12 && bytes.readUInt32LE(4) + 8 <= bytes.length;
}

/** False when the bytes end before the format's end marker (a cut upload). Formats without one pass. */
export function imageLooksComplete(format: SniffedFormat, bytes: Buffer): boolean {
  switch (format) {
    case 'jpeg':
      return jpegComplete(bytes);
    case 'png':
      return pngComplete(bytes);
    case 'gif':
      return gifComplete(bytes);
    case 'webp':
      return webpComplete(bytes);
    default:
      return true;
  }
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

const JPEG_NON_FRAME_MARKERS = new Set([0xc4, 0xc8, 0xcc]);

/** JPEG: the first start-of-frame segment (SOF0..SOF15, not DHT/JPG/DAC) holds height and width. */
function jpegSize(bytes: Buffer): ImageSize | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && !JPEG_NON_FRAME_MARKERS.has(marker)) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return undefined;
}

function webpSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = bytes.subarray(12, 16).toString('latin1');
  if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8X') return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  return undefined;
}

/** Width and height from the header, in JavaScript; undefined where the format needs a real parser (TIFF, HEIF). */
export function readImageSize(format: SniffedFormat, bytes: Buffer): ImageSize | undefined {
  switch (format) {
    case 'jpeg':
      return jpegSize(bytes);
    case 'png':
      return bytes.length >= 24 ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : undefined;
    case 'gif':
      return bytes.length >= 10 ? { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) } : undefined;
    case 'webp':
      return webpSize(bytes);
    default:
      return undefined;
  }
}
