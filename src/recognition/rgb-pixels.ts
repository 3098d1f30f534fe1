/** Decoded pixels as the face nets take them: what decoding (decode.ts) gives and bordering (mirror-pad.ts) keeps. */
export interface RgbPixels {
  /** width * height * 3 bytes, row-major RGB. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}
