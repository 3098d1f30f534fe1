/**
 * The labelled real-photo evaluation set: photos from public repositories, each with its source repository,
 * commit, path, licence and digest in `manifest.json` (test/fixtures/real-photos/README.md;
 * `node scripts/real-photos.mjs verify|fetch` checks or rebuilds it). Looked for in --real-photos,
 * $SCALEFACE_REAL_PHOTOS, then the copy shipped in the repository.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The set shipped in the repository (not in the npm package). */
export const SHIPPED_REAL_PHOTOS = join(REPO_ROOT, 'test/fixtures/real-photos');

export interface AnnotatedFace {
  readonly person: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RealPhoto {
  /** Relative to the set's folder. */
  readonly file: string;
  readonly person: string | null;
  readonly kind: 'portrait' | 'group' | 'closeup';
  /** `enrolled`: enrolled in the gallery from some of their photos; `stranger`: never enrolled. */
  readonly role?: 'enrolled' | 'stranger';
  /** Group photos: named faces with approximate boxes (others in the picture are strangers). */
  readonly faces?: readonly AnnotatedFace[];
  readonly faceCount?: number;
  readonly sourceRepo: string;
  readonly licence: string;
}

export interface RealPhotoSet {
  readonly dir: string;
  readonly photos: readonly RealPhoto[];
}

export function findRealPhotoSet(explicit: string | undefined, envDir: string | undefined): { dir: string } | { missing: string } {
  const candidates = explicit !== undefined ? [explicit] : [envDir, SHIPPED_REAL_PHOTOS];
  const dir = candidates.find((d) => d !== undefined && existsSync(join(d, 'manifest.json')));
  if (dir !== undefined) return { dir };
  return { missing: `REAL-PHOTO SET MISSING: no manifest.json in ${candidates.filter(Boolean).join(', ')}` };
}

export async function loadRealPhotoSet(dir: string): Promise<RealPhotoSet> {
  const photos = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RealPhoto[];
  return { dir, photos };
}

/** Photos of one person, in file order (1.jpg, 2.jpg, ...). */
export function photosByPerson(set: RealPhotoSet, role: 'enrolled' | 'stranger'): Map<string, RealPhoto[]> {
  const people = new Map<string, RealPhoto[]>();
  const portraits = set.photos.filter((p) => p.kind === 'portrait' && p.role === role && p.person !== null);
  for (const photo of portraits.sort((a, b) => a.file.localeCompare(b.file, 'en', { numeric: true }))) {
    const list = people.get(photo.person as string) ?? [];
    list.push(photo);
    people.set(photo.person as string, list);
  }
  return people;
}
