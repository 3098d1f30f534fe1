/**
 * Image bytes -> the fixed-size pixels a model takes, and its input tensor's values: EXIF orientation,
 * alpha flattened on white, resized (stretched, or letterboxed to keep the aspect ratio), channel order,
 * layout and normalisation as the model wants them.
 */
import sharp from 'sharp';
import { openImage, readOrientedSize, rgbPixelsOf } from '../imaging/decode-image.js';

export type ChannelOrder = 'RGB' | 'BGR';
export type Layout = 'NHWC' | 'NCHW';

/** How a model wants its input (see README, "Your own model"). */
export interface InputSpec {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelOrder;
  readonly layout: Layout;
  /** value = (pixel 0..255 − mean[c]) / std[c], per channel in the model's channel order. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** `fill` stretches to the input size; `contain` keeps the aspect ratio and pads with grey; `cover` crops the centre. */
  readonly fit: 'fill' | 'contain' | 'cover';
}

/** The resized RGB pixels and how they map back to the (oriented) image. */
export interface ModelFrame {
  /** width × height × 3 bytes, row-major RGB. */
  readonly rgb: Buffer;
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** Input pixels per image pixel, and the letterbox's offsets in input pixels (0 when stretched). */
  readonly scaleX: number;
  readonly scaleY: number;
  readonly padX: number;
  readonly padY: number;
}

const LETTERBOX_GREY = { r: 114, g: 114, b: 114 };

/** Decodes untrusted bytes to the model's input size. Throws UnsupportedMediaError for anything but an image. */
export async function decodeForModel(bytes: Buffer, spec: Pick<InputSpec, 'width' | 'height' | 'fit'>): Promise<ModelFrame> {
  const size = await readOrientedSize(bytes);
  const ratio = (spec.fit === 'cover' ? Math.max : Math.min)(spec.width / size.width, spec.height / size.height);
  const inner = spec.fit === 'fill'
    ? { width: spec.width, height: spec.height }
    : { width: Math.max(1, Math.round(size.width * ratio)), height: Math.max(1, Math.round(size.height * ratio)) };
  // Letterbox borders (contain) are positive; a centre crop's (cover) negative.
  const padX = Math.floor((spec.width - inner.width) / 2);
  const padY = Math.floor((spec.height - inner.height) / 2);
  let pipeline = openImage(bytes);
  if (spec.fit === 'cover') pipeline = pipeline.resize(spec.width, spec.height, { fit: 'cover' });
  else pipeline = pipeline.resize(inner.width, inner.height, { fit: 'fill' });
  if (spec.fit === 'contain') {
    const [right, bottom] = [spec.width - inner.width - padX, spec.height - inner.height - padY];
    pipeline = pipeline.extend({ left: padX, top: padY, right, bottom, background: LETTERBOX_GREY });
  }
  const rgb = (await rgbPixelsOf(pipeline)).data;
  const scaleX = inner.width / size.width;
  const scaleY = inner.height / size.height;
  return { rgb, originalWidth: size.width, originalHeight: size.height, scaleX, scaleY, padX, padY };
}

/** The input tensor's values for `rgb` (spec.width × spec.height pixels), batch of one. */
export function inputValues(rgb: Uint8Array, spec: InputSpec): Float32Array {
  const pixels = spec.width * spec.height;
  const out = new Float32Array(pixels * 3);
  const order = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const source = order[c]!;
    const mean = spec.mean[c]!;
    const std = spec.std[c]!;
    for (let p = 0; p < pixels; p++) {
      const value = (rgb[p * 3 + source]! - mean) / std;
      out[spec.layout === 'NHWC' ? p * 3 + c : c * pixels + p] = value;
    }
  }
  return out;
}

/** A box in input pixels as a box in the image's pixels, clipped to the image. */
export function toImageBox(frame: ModelFrame, x1: number, y1: number, x2: number, y2: number): { x: number; y: number; width: number; height: number } {
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const left = clip((x1 - frame.padX) / frame.scaleX, frame.originalWidth);
  const top = clip((y1 - frame.padY) / frame.scaleY, frame.originalHeight);
  const right = clip((x2 - frame.padX) / frame.scaleX, frame.originalWidth);
  const bottom = clip((y2 - frame.padY) / frame.scaleY, frame.originalHeight);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { x: round(left), y: round(top), width: round(right - left), height: round(bottom - top) };
}

/** An image decoded once (oriented, flattened, sRGB), at most `maxSide` pixels a side, to cut several inputs from. */
export interface DecodedImage {
  /** width × height × 3 bytes, row-major RGB. */
  readonly rgb: Buffer;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

/** A rectangle in the oriented image's pixels. */
export interface ImageRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Decodes untrusted bytes once. Throws UnsupportedMediaError for anything but an image. */
export async function decodeImage(bytes: Buffer, maxSide: number): Promise<DecodedImage> {
  const size = await readOrientedSize(bytes);
  const ratio = Math.min(1, maxSide / Math.max(size.width, size.height));
  const width = Math.max(1, Math.round(size.width * ratio));
  const height = Math.max(1, Math.round(size.height * ratio));
  const rgb = (await rgbPixelsOf(openImage(bytes).resize(width, height, { fit: 'fill' }))).data;
  return { rgb, width, height, originalWidth: size.width, originalHeight: size.height };
}

/** A region of the image (all of it by default), stretched to width × height RGB pixels. */
export async function resizeRegion(image: DecodedImage, width: number, height: number, region?: ImageRegion): Promise<Buffer> {
  let pipeline = sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (region !== undefined) {
    const [sx, sy] = [image.width / image.originalWidth, image.height / image.originalHeight];
    const left = Math.min(image.width - 1, Math.max(0, Math.floor(region.x * sx)));
    const top = Math.min(image.height - 1, Math.max(0, Math.floor(region.y * sy)));
    const right = Math.min(image.width, Math.max(left + 1, Math.ceil((region.x + region.width) * sx)));
    const bottom = Math.min(image.height, Math.max(top + 1, Math.ceil((region.y + region.height) * sy)));
    pipeline = pipeline.extract({ left, top, width: right - left, height: bottom - top });
  }
  return pipeline.resize(width, height, { fit: 'fill' }).raw({ depth: 'uchar' }).toBuffer();
}

/** The whole image stretched to the model's input, as a frame whose boxes map back to the image. */
export async function stretchedFrame(image: DecodedImage, width: number, height: number): Promise<ModelFrame> {
  const rgb = await resizeRegion(image, width, height);
  return {
    rgb, originalWidth: image.originalWidth, originalHeight: image.originalHeight,
    scaleX: width / image.originalWidth, scaleY: height / image.originalHeight, padX: 0, padY: 0,
  };
}
