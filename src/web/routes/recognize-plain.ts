import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { stemOf } from '../../domain/messages.js';
import { admitRecognition } from '../plugins/upload-limits.js';
import { arrivalOf, readCheckedUpload, recognizeUpload } from '../recognize-upload.js';
import { textSchema } from '../schemas.js';

/**
 * The seed's contract: `POST /` with multipart field `inputFile` answers `200 text/plain`
 * `<file name without extension>:<label>`; errors are plain text `Error: <message>`.
 */
export const recognizePlainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/',
    {
      onRequest: app.authGuards.upload,
      config: { multipartField: 'inputFile', admission: 'recognition' },
      schema: {
        summary: "Recognize one photo; the seed's plain-text answer",
        tags: ['recognition'],
        produces: ['text/plain'],
        response: { 200: Type.String({ description: '`<stem>:<label>`, e.g. `test_000:Paul`' }), '4xx': textSchema, '5xx': textSchema },
      },
    },
    async (request, reply) => {
      const upload = await readCheckedUpload(request, app.maxUploadBytes, app.decodeAllowance);
      admitRecognition(app.admission, reply);
      const outcome = await recognizeUpload(app, upload, { traceId: request.id, arrivedAt: arrivalOf(reply), log: request.log });
      return reply.type('text/plain; charset=utf-8').send(`${stemOf(upload.fileName)}:${outcome.label}`);
    },
  );
};
