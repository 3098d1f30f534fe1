import type { FastifyInstance } from 'fastify';
import { stemOf } from '../../domain/messages.js';
import type { WebDeps } from '../deps.js';
import { readSingleFile } from '../multipart.js';
import { checkDecodableImage, safeFileName } from '../upload-checks.js';

/**
 * The seed's contract: `POST /` with multipart field `inputFile` answers `200 text/plain`
 * `<file name without extension>:<label>`.
 */
export function recognizePlainRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.post('/', async (request, reply) => {
    const upload = await readSingleFile(request, 'inputFile', deps.maxUploadBytes);
    await checkDecodableImage(upload.bytes);
    const fileName = safeFileName(upload.fileName);
    const answer = await deps.recognition.recognize(fileName, upload.bytes);
    return reply.type('text/plain; charset=utf-8').send(`${stemOf(fileName)}:${answer.label ?? 'Unknown'}`);
  });
}
