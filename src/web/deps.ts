import type { FastifyBaseLogger } from 'fastify';
import type { DecodeAllowance } from '../domain/image-structure.js';
import type { CollectionAccess } from './access-registry.js';
import type { Admission } from './admission.js';
import type { ModelKind } from '../ports/image-model.js';
import type { EnrollmentResult, SubjectSummary } from '../recognition/index.js';
import type { JobRecords } from './job-records.js';
import type { JobLimits } from './job-store.js';
import type { ReadinessCheck } from './readiness.js';
import type { RecognitionService } from './recognition-service.js';
import type { StatusSnapshot } from '../domain/status-snapshot.js';

/** What the subjects routes need of the gallery (implemented in src/recognition). */
export interface SubjectsAdmin {
  addExamples(name: string, photos: { fileName: string; bytes: Buffer }[]): Promise<EnrollmentResult>;
  listSubjects(): Promise<SubjectSummary[]>;
  removeSubject(name: string): Promise<{ subject: string; removedPhotos: number }>;
  countSubjects(): Promise<number>;
  /** One of the subject's enrolled photos, as stored; NotFoundError when there is none. */
  subjectPhoto(name: string): Promise<Buffer>;
}

/** The deployment's collections beyond the default one: who may use them, and each one's gallery. */
export interface CollectionsDeps {
  readonly access: CollectionAccess;
  /** The enrollment of one collection's gallery (the default collection's is WebDeps.subjects). */
  subjectsOf(collection: string): SubjectsAdmin;
}

/** The face model's rule for naming a face (config `recognition.distanceThreshold`, `recognition.margin`). */
export interface MatchRules {
  readonly distanceThreshold: number;
  readonly margin: number;
}

/** Who may do what (config `web.authToken`, `web.requireAuthForUploads`). */
export interface AuthSettings {
  /** When set, every /v1/ route, /metrics and the event stream need `Authorization: Bearer <token>` (or, on a collection's routes, a key of it). */
  readonly token?: string;
  /** With a token, uploads (`POST /`, `/v1/recognitions`, `/v1/jobs`, a job's result) need it too; false opens them. */
  readonly requireAuthForUploads: boolean;
}

/** What a page of another site or another name may do (config `web.allowedHosts`, `web.allowedOrigins`). */
export interface BrowserRules {
  /** Names served besides loopback names and IP addresses; `*` serves any. */
  readonly allowedHosts: readonly string[];
  /** Origins whose pages may send state-changing requests besides the service's own. */
  readonly allowedOrigins: readonly string[];
}

/** Bounds of `/v1/events` (config `web.eventsMaxClients`, `web.eventsDrainTimeoutMs`, `web.eventsMaxStreamBytes`). */
export interface EventLimits {
  readonly maxClients: number;
  /** A client whose socket stays full this long is reset. */
  readonly drainTimeoutMs: number;
  /** A stream ends after this many bytes; its client reconnects. */
  readonly maxStreamBytes: number;
}

/** How long a client may take to send its request (config web.headersTimeoutMs, web.bodyTimeoutMs). */
export interface RequestTimeouts {
  /** The whole request, body included. */
  readonly bodyMs: number;
  readonly headersMs: number;
}

/** Everything the web tier's routes use; built by src/system and passed to buildApp. */
export interface WebDeps {
  readonly recognition: RecognitionService;
  /** The default collection's gallery. */
  readonly subjects: SubjectsAdmin;
  /** Collections and their keys (absent: only the default collection, and no keys). */
  readonly collections?: CollectionsDeps;
  /** Reads GET /v1/status's snapshot: queue depths, backlog, instances, desired, the autoscaler's decisions. */
  readonly status: () => Promise<StatusSnapshot>;
  readonly maxUploadBytes: number;
  readonly auth: AuthSettings;
  readonly jobs: JobLimits;
  /** Where jobs are written through, so that any web process answers for them (absent: memory only). */
  readonly jobRecords?: JobRecords;
  /** How often `/v1/events` pushes a status snapshot (default 1000 ms). */
  readonly eventsIntervalMs?: number;
  /** Bounds of `/v1/events` (defaults: the config's). */
  readonly events?: EventLimits;
  /** Host and Origin rules (default: loopback names and IP addresses, no other origin). */
  readonly browser?: BrowserRules;
  readonly logger?: FastifyBaseLogger;
  /** Which model the app tier serves (default face): subjects and enrollment answer 409 under another. */
  readonly modelKind?: ModelKind;
  /** Shown by the page beside an `Unknown` face's nearest subject (default: none shown). */
  readonly matchRules?: MatchRules;
  /** What `/readyz` checks beside the status (the storage takes writes); rejects while not ready. */
  readonly readiness?: ReadinessCheck;
  /** The load-shedding rule (body budget, predicted wait); default: the default budget and nothing measured. */
  readonly admission?: Admission;
  /** The pixels an upload may declare per byte (default DEFAULT_DECODE_ALLOWANCE). */
  readonly decodeAllowance?: DecodeAllowance;
  /** Default 60 s for the body, 10 s for the headers. */
  readonly timeouts?: RequestTimeouts;
}
