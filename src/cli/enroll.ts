import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';

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

async function enrollOne(subject: SubjectFolder, options: EnrollOptions): Promise<boolean> {
  const form = new FormData();
  for (const path of subject.photos) {
    if (!(await stat(path)).isFile()) continue;
    form.append('photos', new Blob([new Uint8Array(await readFile(path))]), basename(path));
  }
  const target = new URL(`/v1/subjects/${encodeURIComponent(subject.name)}/examples`, options.url);
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const response = await fetch(target, { method: 'POST', body: form, headers });
  const text = await response.text();
  options.onSubject?.(subject.name, response.ok, response.ok ? enrolledDetail(text, subject.photos.length) : `${response.status} ${errorDetail(text)}`);
  return response.ok;
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

/** The error's message (it names every refused photo and why), or the body as it came. */
function errorDetail(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
  } catch {
    return body;
  }
}

/** Enrolls every subject folder through the web tier's API; resolves with the number that failed. */
export async function enrollFolder(dir: string, options: EnrollOptions): Promise<number> {
  const subjects = await listSubjectFolders(dir);
  let failed = 0;
  let next = 0;
  const lane = async () => {
    while (next < subjects.length) {
      const subject = subjects[next++]!;
      if (!(await enrollOne(subject, options))) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, lane));
  return failed;
}
