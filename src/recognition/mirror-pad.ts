import type { RgbPixels } from '../imaging/pixels.js';

/**
 * Adds a mirrored border to RGB pixels in JavaScript: the same bytes as libvips' `extend` with
 * `extendWith: 'mirror'` (the edge pixel repeated: ... b a | a b ... ), without a second
 * trip through sharp, whose per-call set-up costs more than the copy for small images.
 * `padX` and `padY` must be at most the width and height.
 */
export function mirrorPad(pixels: RgbPixels, padX: number, padY: number): RgbPixels {
  const { data, width, height } = pixels;
  const outWidth = width + 2 * padX;
  const outHeight = height + 2 * padY;
  const out = Buffer.allocUnsafe(outWidth * outHeight * 3);
  const sourceColumn = (x: number) => reflect(x - padX, width);
  const columns = Int32Array.from({ length: outWidth }, (_, x) => sourceColumn(x) * 3);
  for (let y = 0; y < outHeight; y++) {
    const rowStart = reflect(y - padY, height) * width * 3;
    let target = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const source = rowStart + columns[x]!;
      out[target++] = data[source]!;
      out[target++] = data[source + 1]!;
      out[target++] = data[source + 2]!;
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

/**
 * Index into [0, size) reflected at both edges, the edge pixel repeated: -1 → 0, -2 → 1, size → size - 1;
 * indices more than `size` outside fold again (a face chip may reach that far past a small frame).
 */
export function reflect(index: number, size: number): number {
  const period = 2 * size;
  const folded = ((index % period) + period) % period;
  return folded < size ? folded : period - 1 - folded;
}
