import sharp from 'sharp';
import { UnsupportedMediaError } from '../domain/errors.js';
import { MAX_IMAGE_PIXELS } from '../domain/image-structure.js';

/** The size of the Subjects table's pictures: twice their displayed 48 px, for high-density screens. */
export const THUMBNAIL_PIXELS = 96;

/**
 * A small JPEG of a stored photo, turned upright by its EXIF orientation, so the page loads kilobytes per subject
 * instead of the photos as uploaded (up to web.maxUploadBytes each).
 */
export async function thumbnailOf(photo: Buffer): Promise<Buffer> {
  try {
    return await sharp(photo, { limitInputPixels: MAX_IMAGE_PIXELS })
      .rotate()
      .resize(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS, { fit: 'cover', position: 'attention' })
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch (error) {
    throw new UnsupportedMediaError('the stored photo cannot be decoded', { cause: error });
  }
}
