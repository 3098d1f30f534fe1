import type { FastifyInstance } from 'fastify';
import { stemOf } from '../../domain/messages.js';
import type { WebContext } from '../context.js';
import { readCheckedUpload, recognizeUpload } from '../recognize-upload.js';
import { textSchema } from '../schemas.js';

/**
 * The seed's contract: `POST /` with multipart field `inputFile` answers `200 text/plain`
 * `<file name without extension>:<label>`; errors are plain text `Error: <message>`.
 */
export function recognizePlainRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.post(
    '/',
    {
      onRequest: ctx.guards.upload,
      config: { multipartField: 'inputFile' },
      schema: {
        summary: "Recognize one photo; the seed's plain-text answer",
        tags: ['recognition'],
        produces: ['text/plain'],
        response: { 200: { ...textSchema, description: '`<stem>:<label>`, e.g. `test_000:Paul`' }, '4xx': textSchema, '5xx': textSchema },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, ctx.deps.maxUploadBytes);
      const outcome = await recognizeUpload(ctx, upload, { traceId: request.id, log: request.log });
      return reply.type('text/plain; charset=utf-8').send(`${stemOf(upload.fileName)}:${outcome.label}`);
    },
  );
}
