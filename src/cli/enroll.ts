import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { InvalidInputError } from '../domain/errors.js';
import { MAX_BULK_ENROLLMENT_BYTES, MAX_PHOTOS_PER_BULK_ENROLLMENT } from '../domain/upload-limits.js';
import { authHeaders, callService } from './service-client.js';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
/** Room left in a bulk request for its multipart framing (a few hundred bytes per photo). */
const FRAMING_ROOM_BYTES = 1024 * 1024;
const POLL_MS = 300;

export interface SubjectFolder {
  readonly name: string;
  readonly photos: string[];
}

/** One sub-folder per subject with its photos inside; other files are ignored. */
export async function listSubjectFolders(dir: string): Promise<SubjectFolder[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new InvalidInputError(`cannot read folder ${dir}: ${(error as Error).message}`);
  });
  const subjects: SubjectFolder[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = join(dir, entry.name);
    const photos = (await readdir(folder)).filter((f) => PHOTO_EXTENSIONS.has(extname(f).toLowerCase())).sort();
    if (photos.length > 0) subjects.push({ name: entry.name, photos: photos.map((p) => join(folder, p)) });
  }
  if (subjects.length === 0) throw new InvalidInputError(`${dir} has no sub-folders with photos (one per subject)`);
  return subjects;
}

export interface EnrollProgress {
  readonly processed: number;
  readonly photos: number;
}

export interface EnrollOptions {
  readonly url: string;
  readonly token?: string;
  readonly onSubject?: (name: string, ok: boolean, detail: string) => void;
  /** Told as a bulk enrollment job advances. */
  readonly onProgress?: (progress: EnrollProgress) => void;
}

export interface EnrollSummary {
  readonly subjects: number;
  readonly failed: number;
  /** Set when a refusal every other subject would get too stopped the run: what was refused, and why. */
  readonly stopped?: string;
}

/**
 * Refusals that do not depend on the subject: the token (401, 403), a service that serves another model or whose
 * gallery is pinned to another one (409 WRONG_MODEL, MODEL_MISMATCH), or no such route (404, 405: not a
 * scaleface web tier at this URL, or one older than bulk enrollment). Sending the other subjects would only repeat them.
 */
const REPEATING_CODES = new Set(['WRONG_MODEL', 'MODEL_MISMATCH', 'UNAUTHORIZED', 'FORBIDDEN']);

function repeats(status: number, code: string | undefined): boolean {
  if (status === 401 || status === 403 || status === 404 || status === 405) return true;
  return code !== undefined && REPEATING_CODES.has(code);
}

/** The error's code and message, or the body as it came. */
function errorOf(body: string): { code?: string; message: string } {
  try {
    const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    return { code: error?.code, message: error?.message ?? body };
  } catch {
    return { message: body };
  }
}

interface JobView {
  status: string;
  error?: { message: string };
  enrollment?: {
    progress: EnrollProgress;
    subjects: { subject: string; enrolled: number }[];
    refused: { file: string; subject?: string; reason: string }[];
  };
}

/** The subjects' photos in batches that fit one bulk request (whole subjects, unless one alone is larger). */
async function batchesOf(subjects: readonly SubjectFolder[]): Promise<{ subject: string; path: string; size: number }[][]> {
  const batches: { subject: string; path: string; size: number }[][] = [[]];
  let bytes = 0;
  for (const subject of subjects) {
    for (const path of subject.photos) {
      const info = await stat(path);
      if (!info.isFile()) continue;
      const current = batches[batches.length - 1]!;
      if (current.length > 0 && (current.length >= MAX_PHOTOS_PER_BULK_ENROLLMENT || bytes + info.size > MAX_BULK_ENROLLMENT_BYTES - FRAMING_ROOM_BYTES)) {
        batches.push([]);
        bytes = 0;
      }
      batches[batches.length - 1]!.push({ subject: subject.name, path, size: info.size });
      bytes += info.size;
    }
  }
  return batches.filter((batch) => batch.length > 0);
}

async function waitForJob(id: string, options: EnrollOptions): Promise<JobView> {
  let last = -1;
  for (;;) {
    const response = await callService(options.url, `/v1/jobs/${id}`, { headers: authHeaders(options.token) });
    const job = (await response.json()) as JobView;
    if (!response.ok) throw new InvalidInputError(`the bulk enrollment job ${id} could not be read: ${response.status}`);
    const progress = job.enrollment?.progress;
    if (progress !== undefined && progress.processed !== last) {
      last = progress.processed;
      options.onProgress?.(progress);
    }
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    await delay(POLL_MS);
  }
}

type Batch = Awaited<ReturnType<typeof batchesOf>>[number];

/** One bulk request and its job; reports every subject of the batch. Returns the refusal that repeats, if any. */
async function enrollBatch(batch: Batch, options: EnrollOptions): Promise<{ failed: number; stopped?: string }> {
  const form = new FormData();
  for (const photo of batch) form.append('photos', new Blob([new Uint8Array(await readFile(photo.path))]), `${photo.subject}/${basename(photo.path)}`);
  const names = [...new Set(batch.map((photo) => photo.subject))];
  const response = await callService(options.url, '/v1/enrollments', { method: 'POST', body: form, headers: authHeaders(options.token) });
  const text = await response.text();
  if (!response.ok) {
    const error = errorOf(text);
    const detail = `${response.status} ${error.message}`;
    for (const name of names) options.onSubject?.(name, false, detail);
    return { failed: names.length, ...(repeats(response.status, error.code) ? { stopped: `${names.join(', ')}: ${detail}` } : {}) };
  }
  const job = await waitForJob((JSON.parse(text) as { id: string }).id, options);
  let failed = 0;
  for (const name of names) {
    const refused = job.enrollment?.refused.filter((r) => r.subject === name) ?? [];
    const enrolled = job.enrollment?.subjects.find((s) => s.subject === name)?.enrolled ?? 0;
    const ok = job.status === 'succeeded' && refused.length === 0 && enrolled > 0;
    if (!ok) failed += 1;
    const detail = [`${enrolled} photo(s)`, ...refused.map((r) => `refused ${r.file}: ${r.reason}`), ...(job.error ? [job.error.message] : [])].join('; ');
    options.onSubject?.(name, ok, detail);
  }
  return { failed };
}

/**
 * Enrolls every subject folder through the web tier's bulk enrollment (`POST /v1/enrollments`, one job per
 * batch of up to 1000 photos / 64 MiB). The first subject goes alone, so that a refusal every subject would get
 * (a token, another model) stops the run after one small request.
 */
export async function enrollFolder(dir: string, options: EnrollOptions): Promise<EnrollSummary> {
  const subjects = await listSubjectFolders(dir);
  const batches = [...(await batchesOf(subjects.slice(0, 1))), ...(await batchesOf(subjects.slice(1)))];
  let failed = 0;
  for (const batch of batches) {
    const outcome = await enrollBatch(batch, options);
    failed += outcome.failed;
    if (outcome.stopped !== undefined) {
      const sent = new Set(batches.slice(0, batches.indexOf(batch) + 1).flat().map((photo) => photo.subject));
      return { subjects: subjects.length, failed: failed + subjects.length - sent.size, stopped: outcome.stopped };
    }
  }
  return { subjects: subjects.length, failed };
}
