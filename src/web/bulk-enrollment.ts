/**
 * A bulk enrollment as an async job: the photos of many subjects, enrolled one photo at a time through the
 * gallery's enrollment (so one refused photo refuses only itself), with the job's progress updated as it goes.
 * The job holds its photos in memory, within the body budget, and lets each go once it is enrolled or refused.
 */
import type { DecodeAllowance } from '../domain/image-structure.js';
import type { Job } from './job-store.js';
import type { BulkPhoto, BulkRefusal, BulkUpload } from './bulk-upload.js';
import type { SubjectsAdmin } from './deps.js';
import { problemOf } from './error-handler.js';
import { checkDecodableImage } from './upload-checks.js';

export interface BulkProgress {
  /** Photos in the request that are to be enrolled (refused entries excluded). */
  readonly photos: number;
  processed: number;
  enrolled: number;
  /** Refused so far, the request's own refusals (not `<subject>/<photo>`, not a photo) included. */
  refused: number;
}

export interface BulkSubject {
  readonly subject: string;
  /** Photos of it enrolled by this job. */
  enrolled: number;
  /** Descriptors the subject has now (null while none of its photos was enrolled). */
  examples: number | null;
}

export interface BulkOutcome {
  readonly subjects: BulkSubject[];
  readonly refused: BulkRefusal[];
}

/** A bulk enrollment's job: its progress while it runs, its subjects and refusals (growing) in `result`. */
export interface BulkJob extends Job<BulkOutcome> {
  readonly kind: 'enrollment';
  readonly progress: BulkProgress;
}

export function asBulkJob(job: Job<BulkOutcome>, upload: BulkUpload): BulkJob {
  const progress: BulkProgress = { photos: upload.photos.length, processed: 0, enrolled: 0, refused: upload.refused.length };
  return Object.assign(job, { kind: 'enrollment' as const, progress, result: { subjects: [], refused: [...upload.refused] } });
}

/** A bulk job as `GET /v1/jobs/{id}` shows it. */
export function bulkJobView(job: BulkJob) {
  const { subjects, refused } = job.result!;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    file: job.file,
    createdAt: job.createdAt,
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
    enrollment: { progress: { ...job.progress }, subjects: subjects.map((s) => ({ ...s })), refused: [...refused] },
  };
}

export interface BulkDeps {
  readonly subjects: Pick<SubjectsAdmin, 'addExamples'>;
  readonly allowance: DecodeAllowance;
}

/** Why a photo was not enrolled, as the client may read it (a 5xx's fixed message, never its detail). */
function reasonOf(error: unknown): string {
  const problem = problemOf(error);
  const photos = problem.details?.photos as { reason?: string }[] | undefined;
  return photos?.[0]?.reason ?? problem.message;
}

async function enrollPhoto(deps: BulkDeps, photo: BulkPhoto): Promise<number> {
  await checkDecodableImage(photo.bytes, deps.allowance);
  const result = await deps.subjects.addExamples(photo.subject, [{ fileName: photo.fileName, bytes: photo.bytes }]);
  return result.examples;
}

/** Enrolls every photo, subject by subject in the order they came; resolves with the job done (never rejects). */
export async function runBulkEnrollment(job: BulkJob, photos: (BulkPhoto | undefined)[], deps: BulkDeps): Promise<void> {
  job.status = 'running';
  const outcome = job.result!;
  const bySubject = new Map<string, BulkSubject>();
  for (const [index, photo] of photos.entries()) {
    if (photo === undefined) continue;
    photos[index] = undefined; // let the bytes go once done
    let subject = bySubject.get(photo.subject);
    if (subject === undefined) {
      subject = { subject: photo.subject, enrolled: 0, examples: null };
      bySubject.set(photo.subject, subject);
      outcome.subjects.push(subject);
    }
    try {
      subject.examples = await enrollPhoto(deps, photo);
      subject.enrolled += 1;
      job.progress.enrolled += 1;
    } catch (error) {
      outcome.refused.push({ file: `${photo.subject}/${photo.fileName}`, subject: photo.subject, reason: reasonOf(error) });
      job.progress.refused += 1;
    }
    job.progress.processed += 1;
  }
  Object.assign(job, { status: 'succeeded', finishedAt: Date.now() });
}
