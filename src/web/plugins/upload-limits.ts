/**
 * What an upload must respect besides its own size: the admission rule (src/web/admission.ts) applied before a
 * byte of the body is read, and the pixels its bytes may buy (DecodeAllowance, checked with the image header).
 */
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { DecodeAllowance } from '../../domain/image-structure.js';
import { MULTIPART_FRAMING_BYTES, maxRequestBytes } from '../../domain/upload-limits.js';
import type { Admission } from '../admission.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether new work is taken now (body budget, predicted wait); its figures are in /v1/status and /metrics. */
    readonly admission: Admission;
    /** The pixels an upload may declare per byte of its file. */
    readonly decodeAllowance: DecodeAllowance;
  }
  interface FastifyContextConfig {
    /**
     * recognition: an upload for the app tier (body budget and predicted wait); enrollment: a multipart body of
     * photos (body budget only).
     */
    admission?: 'recognition' | 'enrollment';
  }
}

export interface UploadLimitsOptions {
  readonly admission: Admission;
  readonly decodeAllowance: DecodeAllowance;
  readonly maxUploadBytes: number;
}

/**
 * A checked upload goes to the app tier: in progress for the load-shedding rule (or refused, 503) until its answer
 * is sent, unless the handler keeps it (an async job: in progress until its result) and releases it itself.
 */
export interface RecognitionInProgress {
  /** The caller releases it (the returned function) instead of the answer. */
  keep(): () => void;
}

export function admitRecognition(admission: Admission, reply: FastifyReply): RecognitionInProgress {
  const ticket = admission.admitRecognition();
  let kept = false;
  const answered = () => kept || ticket.release();
  reply.raw.once('finish', answered).once('close', answered);
  return {
    keep: () => {
      kept = true;
      return ticket.release;
    },
  };
}

export const uploadLimitsPlugin = fp<UploadLimitsOptions>(
  async (app, options) => {
    const { admission, maxUploadBytes } = options;
    app.decorate('admission', admission);
    app.decorate('decodeAllowance', options.decodeAllowance);
    app.metrics.trackAdmission(() => admission.snapshot());
    // preHandler: after the route's auth guard, before the handler reads the body (multipart is not parsed earlier).
    app.addHook('preHandler', async (request, reply) => {
      const kind = request.routeOptions.config.admission;
      if (kind === undefined) return;
      if (kind === 'recognition') admission.checkRecognition();
      const routeMax = kind === 'recognition' ? maxUploadBytes + MULTIPART_FRAMING_BYTES : maxRequestBytes(maxUploadBytes);
      const declared = Number(request.headers['content-length']);
      // A body without a length (chunked) is held at the most its route reads.
      const hold = admission.admitBody(Number.isFinite(declared) && declared > 0 ? Math.min(declared, routeMax) : routeMax);
      // The bytes are held until the answer is sent or the connection is gone (whichever comes first).
      reply.raw.once('finish', hold.release).once('close', hold.release);
    });
  },
  { name: 'scaleface-upload-limits', fastify: '5.x', dependencies: ['scaleface-metrics'] },
);
