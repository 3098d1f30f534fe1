/** Decoded pixels as every model family takes them (the face nets, the objects model, a custom model). */
export interface RgbPixels {
  /** width * height * 3 bytes, row-major RGB. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}
