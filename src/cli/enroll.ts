import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';
import { authHeaders, callService } from './service-client.js';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

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

export interface EnrollOptions {
  readonly url: string;
  readonly token?: string;
  readonly concurrency?: number;
  readonly onSubject?: (name: string, ok: boolean, detail: string) => void;
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
 * scaleface web tier at this URL). Sending the other subjects would only repeat them.
 */
const REPEATING_CODES = new Set(['WRONG_MODEL', 'MODEL_MISMATCH', 'UNAUTHORIZED', 'FORBIDDEN']);

function repeats(status: number, code: string | undefined): boolean {
  if (status === 401 || status === 403 || status === 404 || status === 405) return true;
  return code !== undefined && REPEATING_CODES.has(code);
}

interface SubjectOutcome {
  readonly ok: boolean;
  readonly repeats: boolean;
  readonly detail: string;
}

async function enrollOne(subject: SubjectFolder, options: EnrollOptions): Promise<SubjectOutcome> {
  const form = new FormData();
  for (const path of subject.photos) {
    if (!(await stat(path)).isFile()) continue;
    form.append('photos', new Blob([new Uint8Array(await readFile(path))]), basename(path));
  }
  const path = `/v1/subjects/${encodeURIComponent(subject.name)}/examples`;
  const response = await callService(options.url, path, { method: 'POST', body: form, headers: authHeaders(options.token) });
  const text = await response.text();
  if (response.ok) {
    const detail = enrolledDetail(text, subject.photos.length);
    options.onSubject?.(subject.name, true, detail);
    return { ok: true, repeats: false, detail };
  }
  const error = errorOf(text);
  const detail = `${response.status} ${error.message}`;
  options.onSubject?.(subject.name, false, detail);
  return { ok: false, repeats: repeats(response.status, error.code), detail };
}

/** `3 photo(s)`, plus what the service said of photos with several faces. */
function enrolledDetail(body: string, count: number): string {
  try {
    const photos = (JSON.parse(body) as { photos?: { fileName?: string; note?: string }[] }).photos ?? [];
    const notes = photos.filter((p) => p.note !== undefined).map((p) => `${p.fileName}: ${p.note}`);
    return [`${count} photo(s)`, ...notes].join('; ');
  } catch {
    return `${count} photo(s)`;
  }
}

/** The error's code and message (it names every refused photo and why), or the body as it came. */
function errorOf(body: string): { code?: string; message: string } {
  try {
    const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    return { code: error?.code, message: error?.message ?? body };
  } catch {
    return { message: body };
  }
}

/**
 * Enrolls every subject folder through the web tier's API. The first subject goes alone, so a refusal every
 * subject would get stops the run after one request; the rest go `concurrency` at a time, and stop taking new
 * subjects at such a refusal too.
 */
export async function enrollFolder(dir: string, options: EnrollOptions): Promise<EnrollSummary> {
  const subjects = await listSubjectFolders(dir);
  let failed = 0;
  let stopped: string | undefined;
  let next = 0;
  const enrollNext = async () => {
    const subject = subjects[next++]!;
    const outcome = await enrollOne(subject, options);
    if (!outcome.ok) failed += 1;
    if (outcome.repeats && stopped === undefined) stopped = `${subject.name}: ${outcome.detail}`;
  };
  await enrollNext();
  const lane = async () => {
    while (next < subjects.length && stopped === undefined) await enrollNext();
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, lane));
  return { subjects: subjects.length, failed, stopped };
}
