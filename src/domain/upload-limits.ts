/**
 * How much one request may carry: the bounds the web tier enforces before reading a body and the gallery
 * enforces again (it is also called by the CLI). The size of one image is configuration
 * (`web.maxUploadBytes`); its pixel count is bounded in image-structure.ts (MAX_IMAGE_PIXELS).
 */

/** Room for multipart headers and small text fields beside one file. */
export const MULTIPART_FRAMING_BYTES = 64 * 1024;

/**
 * Request bodies held in memory at once by one web process, by default: 8 uploads of the largest size (10 MiB)
 * plus their framing. Sized so that `up` and its workers stay under 1.2 GB on this project's machine (2 vCPU,
 * 24 GB) and fit a small EC2 instance (t3.small, 2 GB): README, "Limits under load", gives the peaks measured.
 */
export const DEFAULT_BODY_BUDGET_BYTES = 8 * (10 * 1024 * 1024 + MULTIPART_FRAMING_BYTES);

/** Photos one enrollment call may add. */
export const MAX_PHOTOS_PER_ENROLLMENT = 50;

/** Largest JSON or form body (everything that is not a multipart upload). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Multipart framing and form fields allowed on top of the files themselves. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

/**
 * The largest request body worth reading: a full enrollment of images of the largest allowed size. Anything
 * that announces more is refused from its Content-Length, before a byte of it is read.
 */
export function maxRequestBytes(maxUploadBytes: number): number {
  return maxUploadBytes * MAX_PHOTOS_PER_ENROLLMENT + MULTIPART_OVERHEAD_BYTES;
}

/** Photos one bulk enrollment (`POST /v1/enrollments`) may carry, as multipart files or archive entries. */
export const MAX_PHOTOS_PER_BULK_ENROLLMENT = 1000;

/** Bytes of one bulk enrollment: its files, or its archive once decompressed (held until its job has run). */
export const MAX_BULK_ENROLLMENT_BYTES = 64 * 1024 * 1024;
