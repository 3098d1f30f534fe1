import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../domain/errors.js';
import type { WebDeps } from '../deps.js';
import { readAllFiles } from '../multipart.js';
import { checkDecodableImage, safeFileName } from '../upload-checks.js';

const MAX_PHOTOS_PER_REQUEST = 50;
const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 _.-]+$' } },
} as const;

/** Enrollment: `GET /v1/subjects`, `POST /v1/subjects/{name}/examples` (multipart photos), `DELETE /v1/subjects/{name}`. */
export function subjectsRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get('/v1/subjects', async () => ({ subjects: await deps.subjects.listSubjects() }));

  app.post<{ Params: { name: string } }>('/v1/subjects/:name/examples', { schema: { params: nameParams } }, async (request, reply) => {
    const files = await readAllFiles(request, deps.maxUploadBytes, MAX_PHOTOS_PER_REQUEST);
    const photos = [];
    for (const file of files) {
      try {
        await checkDecodableImage(file.bytes);
      } catch (error) {
        throw new InvalidInputError(`${safeFileName(file.fileName)}: ${(error as Error).message}`, { cause: error });
      }
      photos.push({ fileName: safeFileName(file.fileName), bytes: file.bytes });
    }
    const result = await deps.subjects.addExamples(request.params.name, photos);
    return reply.status(201).send(result);
  });

  app.delete<{ Params: { name: string } }>('/v1/subjects/:name', { schema: { params: nameParams } }, async (request) => {
    return deps.subjects.removeSubject(request.params.name);
  });
}
