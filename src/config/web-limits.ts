/**
 * The web tier's limits under load: the body budget, request timeouts, the predicted-wait bound and the
 * decoding allowance, as part of the `web` section of the configuration schema (schema.ts spreads them in).
 */
import { z } from 'zod';
import { DEFAULT_DECODE_ALLOWANCE } from '../domain/image-structure.js';
import { DEFAULT_BODY_BUDGET_BYTES, MULTIPART_FRAMING_BYTES } from '../domain/upload-limits.js';

export const webLimitsShape = {
  /**
   * Bytes of request bodies the web tier holds in memory at once, across all requests (env
   * SCALEFACE_WEB_BODY_BUDGET_BYTES). An upload is admitted only when its Content-Length fits in what is left;
   * otherwise it gets 503 with Retry-After before a byte of it is read. See README, "Limits under load".
   */
  bodyBudgetBytes: z.number().int().positive().default(DEFAULT_BODY_BUDGET_BYTES),
  /** A request whose body has not fully arrived this long after it began is ended with 408 (env SCALEFACE_WEB_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: z.number().int().min(100).default(60_000),
  /** A connection that has not sent its request headers within this is closed (env SCALEFACE_WEB_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: z.number().int().min(100).default(10_000),
  /**
   * New recognitions get 503 with Retry-After when the predicted wait for an answer (requests waiting ÷ the
   * measured answer rate) is above this; default half the reply timeout (env SCALEFACE_WEB_MAX_QUEUE_WAIT_MS).
   */
  maxQueueWaitMs: z.number().int().positive().optional(),
  /**
   * Decoding cost per upload byte: an image may declare at most max(minDecodePixels, decodePixelsPerByte ×
   * its size in bytes) pixels, and never more than 40 MP (env SCALEFACE_WEB_DECODE_PIXELS_PER_BYTE).
   */
  decodePixelsPerByte: z.number().positive().default(DEFAULT_DECODE_ALLOWANCE.pixelsPerByte),
  /** The pixels any upload may declare, however small its file (env SCALEFACE_WEB_MIN_DECODE_PIXELS). */
  minDecodePixels: z.number().int().positive().default(DEFAULT_DECODE_ALLOWANCE.minPixels),
};

interface WebLimits {
  readonly maxUploadBytes: number;
  readonly bodyBudgetBytes: number;
  readonly bodyTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

/** The budget holds at least one upload; the headers' bound is within the whole request's. */
export function refineWebLimits(web: WebLimits, ctx: z.RefinementCtx): void {
  if (web.bodyBudgetBytes < web.maxUploadBytes + MULTIPART_FRAMING_BYTES) {
    const message = `must hold at least one upload of web.maxUploadBytes (${web.maxUploadBytes}) plus ${MULTIPART_FRAMING_BYTES} bytes of multipart framing`;
    ctx.addIssue({ code: 'custom', path: ['bodyBudgetBytes'], message });
  }
  if (web.headersTimeoutMs > web.bodyTimeoutMs) {
    ctx.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: 'must not exceed web.bodyTimeoutMs (the headers are part of the request)' });
  }
}
