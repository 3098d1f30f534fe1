import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The course's seed data (`shared/seed-data`, not part of a clone). Looked for in $SCALEFACE_SEED_DATA,
 * beside the clone (`../shared/seed-data`) and at /work/shared/seed-data.
 */
export function findSeedData(): { dir: string } | { missing: string } {
  const candidates = [process.env.SCALEFACE_SEED_DATA, join(REPO_ROOT, '../shared/seed-data'), '/work/shared/seed-data'];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'face_images_1000')) && existsSync(join(dir, 'gallery'))) return { dir };
  }
  const looked = candidates.filter(Boolean).join(', ');
  return { missing: `SEED DATA MISSING: no face_images_1000/ and gallery/ in ${looked}; set SCALEFACE_SEED_DATA to run this test` };
}
