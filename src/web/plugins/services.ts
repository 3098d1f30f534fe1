/** The services the routes call, each a decorator of the app. */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ModelKind } from '../../ports/image-model.js';
import { faceOnlyGuard } from '../model-guard.js';
import { createAuthGuards, type AuthGuards } from '../auth.js';
import type { AuthSettings, CollectionsDeps, MatchRules, SubjectsAdmin } from '../deps.js';
import { defaultCollectionOnly, type CollectionAccess } from '../access-registry.js';
import { DEFAULT_COLLECTION } from '../../domain/collections.js';
import type { JobRecords } from '../job-records.js';
import { JobStore, type JobLimits } from '../job-store.js';
import type { RecognitionService } from '../recognition-service.js';
import type { ReadinessCheck } from '../readiness.js';
import type { RecognitionOutcome } from '../recognize-upload.js';
import type { BulkOutcome } from '../bulk-enrollment.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest guards of admin and upload routes, and which of them need a token. */
    readonly authGuards: AuthGuards;
    /** Uploads through the app tier: input bucket, request queue, this process's reply. */
    readonly recognitionService: RecognitionService;
    /** The default collection's enrollment. */
    readonly subjectsAdmin: SubjectsAdmin;
    /** One collection's enrollment (`default`: subjectsAdmin). */
    readonly subjectsOf: (collection: string) => SubjectsAdmin;
    /** The deployment's collections and their API keys. */
    readonly collectionAccess: CollectionAccess;
    /** The largest file an upload may carry. */
    readonly maxUploadBytes: number;
    /** The jobs this process accepted (`/v1/jobs`). */
    readonly jobs: JobStore<RecognitionOutcome>;
    /** The bulk enrollments this process accepted (`/v1/enrollments`), read through `/v1/jobs/{id}`. */
    readonly bulkJobs: JobStore<BulkOutcome>;
    /** Where jobs are written through so that any web process answers for them; undefined: memory only. */
    readonly jobRecords: JobRecords | undefined;
    readonly jobLimits: JobLimits;
    /** Which model the app tier serves (config model.kind): face-only routes refuse under the others. */
    readonly modelKind: ModelKind;
    readonly matchRules: MatchRules | undefined;
    /** onRequest guard of the face-only routes (subjects, enrollment): 409 WRONG_MODEL under another model. */
    readonly faceOnly: (request: FastifyRequest) => Promise<void>;
    /** `/readyz`'s check beside the status: rejects while the storage does not take writes. */
    readonly checkReadiness: ReadinessCheck;
  }
}

export interface ServicesOptions {
  readonly auth: AuthSettings;
  readonly recognition: RecognitionService;
  readonly subjects: SubjectsAdmin;
  readonly collections?: CollectionsDeps;
  readonly maxUploadBytes: number;
  readonly jobs: JobLimits;
  readonly jobRecords?: JobRecords;
  readonly modelKind?: ModelKind;
  readonly matchRules?: MatchRules;
  readonly readiness?: ReadinessCheck;
}

export const servicesPlugin = fp<ServicesOptions>(
  async (app, options) => {
    const access = options.collections?.access ?? defaultCollectionOnly();
    app.decorate('collectionAccess', access);
    app.decorate('authGuards', createAuthGuards(options.auth, access));
    app.decorateRequest('collection', DEFAULT_COLLECTION);
    app.decorate('recognitionService', options.recognition);
    app.decorate('subjectsAdmin', options.subjects);
    const { collections } = options;
    app.decorate('subjectsOf', (collection: string) => (collection === DEFAULT_COLLECTION || collections === undefined ? options.subjects : collections.subjectsOf(collection)));
    app.decorate('maxUploadBytes', options.maxUploadBytes);
    app.decorate('jobLimits', options.jobs);
    app.decorate('jobs', new JobStore<RecognitionOutcome>(options.jobs));
    app.decorate('bulkJobs', new JobStore<BulkOutcome>(options.jobs));
    app.decorate('jobRecords', options.jobRecords);
    app.decorate('modelKind', options.modelKind ?? 'face');
    app.decorate('faceOnly', faceOnlyGuard(options.modelKind ?? 'face'));
    app.decorate('matchRules', options.matchRules);
    app.decorate('checkReadiness', options.readiness ?? (async () => undefined));
  },
  { name: 'scaleface-services', fastify: '5.x' },
);
