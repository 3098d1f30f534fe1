/**
 * `scaleface enroll <folder>` through the web tier's bulk enrollment: a real web tier listening on a port (embedded
 * backends, the real enrollment model), the CLI's enrollFolder against it. One bad photo refuses only itself.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { enrollFolder, type EnrollProgress } from '../../src/cli/enroll.js';
import { createWebTier, type WebTier } from '../../src/system/web-tier.js';
import { blankJpeg } from '../helpers/images.js';
import { IDLE_STATUS } from '../helpers/status.js';
import { tempBackends, type TempBackends } from '../helpers/system.js';

const GALLERY = join(process.cwd(), 'examples/gallery');

describe('enroll <folder> through POST /v1/enrollments', () => {
  let backends: TempBackends;
  let web: WebTier;
  let url = '';
  let folder = '';
  before(async () => {
    backends = await tempBackends();
    web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: IDLE_STATUS });
    url = await web.app.listen({ host: '127.0.0.1', port: 0 });
    folder = await mkdtemp(join(tmpdir(), 'sf-enroll-bulk-'));
    for (const name of ['Bieber', 'Cage', 'Franck']) await mkdir(join(folder, name));
    await copyFile(join(GALLERY, 'Bieber/Justin-Bieber2_crop.jpg'), join(folder, 'Bieber/1.jpg'));
    await copyFile(join(GALLERY, 'Cage/cage2_crop.jpg'), join(folder, 'Cage/1.jpg'));
    await writeFile(join(folder, 'Cage/blank.jpg'), await blankJpeg());
    await copyFile(join(GALLERY, 'Franck/franck_01829.jpg'), join(folder, 'Franck/a.jpg'));
    await copyFile(join(GALLERY, 'Franck/franck_02683.jpg'), join(folder, 'Franck/b.jpg'));
  });
  after(async () => {
    await web.close();
    await backends.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  test('every subject in bulk jobs, a photo without a face refused alone, progress reported', async () => {
    const lines: [string, boolean, string][] = [];
    const progress: EnrollProgress[] = [];
    const summary = await enrollFolder(folder, { url, onSubject: (name, ok, detail) => lines.push([name, ok, detail]), onProgress: (p) => progress.push(p) });
    assert.deepEqual([summary.subjects, summary.failed, summary.stopped], [3, 1, undefined]);
    assert.deepEqual(lines.map(([name, ok]) => [name, ok]), [['Bieber', true], ['Cage', false], ['Franck', true]]);
    assert.match(lines[1]![2], /^1 photo\(s\); refused Cage\/blank\.jpg: no face found/);
    assert.equal(lines[2]![2], '2 photo(s)');
    const listed = (await web.app.inject({ url: '/v1/subjects' })).json<{ subjects: { name: string; photos: number }[] }>();
    assert.deepEqual(listed.subjects.map((s) => [s.name, s.photos]).sort(), [['Bieber', 1], ['Cage', 1], ['Franck', 2]]);
    assert.ok(progress.some((p) => p.processed === p.photos), JSON.stringify(progress));
  });
});
