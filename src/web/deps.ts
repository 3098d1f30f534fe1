import type { FastifyBaseLogger } from 'fastify';
import type { RecognitionService } from './recognition-service.js';

/** What the subjects routes need of the gallery (implemented in src/recognition). */
export interface SubjectsAdmin {
  addExamples(name: string, photos: { fileName: string; bytes: Buffer }[]): Promise<unknown>;
  listSubjects(): Promise<unknown[]>;
  removeSubject(name: string): Promise<unknown>;
}

/** Everything the web tier's routes use; built by src/system and passed to buildApp. */
export interface WebDeps {
  readonly recognition: RecognitionService;
  readonly subjects: SubjectsAdmin;
  /** JSON for GET /v1/status: queue depths, backlog, instances, desired, last decision. */
  readonly status: () => Promise<Record<string, unknown>>;
  readonly maxUploadBytes: number;
  readonly logger?: FastifyBaseLogger;
}
