import { z } from 'zod';
import { DEFAULT_EVENT_LIMITS } from '../observability/activity-feed.js';
import { refineWebLimits, webLimitsShape } from './web-limits.js';

/** How long a finished `/v1/jobs` job stays readable unless the labels' time to live is shorter (schema.ts). */
export const DEFAULT_JOB_TTL_MS = 10 * 60_000;

/** The web tier's settings (`web.*` in the configuration; env names in src/config/load.ts). */
export const webSchema = z.object({
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).default(8000),
  maxUploadBytes: z.number().int().positive().default(10 * 1024 * 1024),
  /** How long a request waits for its worker's answer before the web tier gives up (504). */
  /**
   * Default 60 s on local processes (they start in under a second); on EC2 the boot deadline plus 60 s, so a
   * request that arrives at zero instances outlasts the boot of the instance that will answer it.
   */
  replyTimeoutMs: z.number().int().positive().optional(),
  /** How long a finished job stays readable; default 10 min, or the labels' time to live when shorter. */
  jobTtlMs: z.number().int().positive().optional(),
  /** Jobs one web process keeps at once: the oldest finished ones make room; all unfinished, a new one gets 429. */
  maxJobs: z.number().int().positive().default(1000),
  /** How often `/v1/events` pushes a status snapshot. */
  eventsIntervalMs: z.number().int().min(100).default(1000),
  /** How often a web process rewrites its liveness object (what keeps its reply queue from being reaped). */
  livenessIntervalMs: z.number().int().min(100).default(10_000),
  /** A reply queue whose web process wrote no liveness for this long is removed; default 6 liveness intervals. */
  replyQueueStaleAfterMs: z.number().int().positive().optional(),
  /** `/v1/events` clients at once (429 beyond); README "Browsers, names and tokens" says why 16. */
  eventsMaxClients: z.number().int().min(1).default(DEFAULT_EVENT_LIMITS.maxClients),
  /** An event client whose socket stays full (a write refused, no 'drain') this long is reset. */
  eventsDrainTimeoutMs: z.number().int().min(10).default(DEFAULT_EVENT_LIMITS.drainTimeoutMs),
  /** An event stream ends after this many bytes and its client reconnects: a non-reader holds at most this. */
  eventsMaxStreamBytes: z.number().int().min(1024).default(DEFAULT_EVENT_LIMITS.maxStreamBytes),
  /** Names served besides localhost and IP addresses (other Hosts: 421, against DNS rebinding); `*`: any. */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Origins whose pages may POST/PUT/PATCH/DELETE besides the service's own (others: 403). */
  allowedOrigins: z.array(z.string().url()).default([]),
  /** Bearer token: with it, every /v1/ route, /metrics and the event stream need it. */
  authToken: z.string().min(8).optional(),
  /** With a token, uploads and job results need it too; false opens them (the course's token-less client). */
  requireAuthForUploads: z.boolean().default(true),
  /**
   * How long a web process trusts what it read of a collection or an API key (src/web/access-registry.ts): a revoked
   * key stops working on every web process within this. 2 s: a revocation is felt at once by a person, and a client
   * sending 100 requests a second with one key costs the gallery bucket one read per 2 s per web process.
   */
  accessCacheMs: z.number().int().min(0).max(60_000).default(2000),
  /**
   * On SIGINT/SIGTERM the web tier stops accepting connections and lets requests in flight finish for at most
   * this long (default 10000 ms, env SCALEFACE_WEB_CLOSE_GRACE_MS) before it drops them and closes the backends.
   */
  closeGraceMs: z.number().int().min(0).default(10_000),
  ...webLimitsShape,
}).superRefine(refineWebLimits);
