/**
 * POST /v1/enrollments on the real web tier (embedded backends, the real enrollment model in its threads): many
 * subjects in one request as an async job, its progress and per-photo refusals in GET /v1/jobs/{id}; the
 * enrolled subjects are then recognized by a real worker.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { blankJpeg } from '../helpers/images.js';
import { PEOPLE, peoplePhoto } from '../helpers/people-photos.js';
import { tarOf } from '../helpers/tar.js';
import { postParts, startWebWithWorker, waitFor, type WebWithWorker } from './support.js';

interface BulkJobView {
  kind: string;
  status: string;
  enrollment: {
    progress: { photos: number; processed: number; enrolled: number; refused: number };
    subjects: { subject: string; enrolled: number; examples: number | null }[];
    refused: { file: string; subject?: string; reason: string }[];
  };
}

describe('bulk enrollment as an async job', () => {
  let system: WebWithWorker;
  before(async () => {
    system = await startWebWithWorker();
  });
  after(async () => system.stop());

  const finished = (id: string) =>
    waitFor('the bulk enrollment to finish', async () => {
      const job = (await system.app.inject({ url: `/v1/jobs/${id}` })).json<BulkJobView>();
      return job.status === 'succeeded' ? job : undefined;
    }, 120_000);

  test('multipart photos named <subject>/<photo>: each subject enrolled, each bad photo refused alone, progress to the end', async () => {
    const res = await postParts(system.app, '/v1/enrollments', [
      { name: 'photos', filename: 'Cage/1.jpg', content: peoplePhoto(PEOPLE.Cage.enroll) },
      { name: 'photos', filename: 'Bieber/1.jpg', content: peoplePhoto(PEOPLE.Bieber.enroll) },
      { name: 'photos', filename: 'Bieber/blank.jpg', content: await blankJpeg() },
      { name: 'photos', filename: 'notes.txt', content: 'not a photo' },
    ]);
    assert.equal(res.statusCode, 202, res.body);
    const accepted = res.json<{ id: string; photos: number; refused: number }>();
    assert.deepEqual([accepted.photos, accepted.refused], [3, 1]);
    assert.equal(res.headers.location, `/v1/jobs/${accepted.id}`);
    const job = await finished(accepted.id);
    assert.equal(job.kind, 'enrollment');
    assert.deepEqual(job.enrollment.progress, { photos: 3, processed: 3, enrolled: 2, refused: 2 });
    assert.deepEqual(job.enrollment.subjects.map((s) => [s.subject, s.enrolled]), [['Cage', 1], ['Bieber', 1]]);
    assert.ok(job.enrollment.subjects.every((s) => (s.examples ?? 0) >= 1));
    const refused = Object.fromEntries(job.enrollment.refused.map((r) => [r.file, r.reason]));
    assert.match(refused['Bieber/blank.jpg']!, /no face found/);
    assert.match(refused['notes.txt']!, /subject folder/);
    const listed = (await system.app.inject({ url: '/v1/subjects' })).json<{ subjects: { name: string }[] }>();
    assert.deepEqual(listed.subjects.map((s) => s.name).sort(), ['Bieber', 'Cage']);
    // The worker names a new photo of an enrolled subject (its gallery refreshes every 200 ms).
    await waitFor('the worker to know Cage', async () => {
      const answer = await postParts(system.app, '/v1/recognitions', [{ name: 'inputFile', filename: 'probe.jpg', content: peoplePhoto(PEOPLE.Cage.probe) }]);
      return answer.json<{ label: string }>().label === 'Cage' ? true : undefined;
    });
  });

  test('a tar.gz with one top folder and a folder per subject', async () => {
    const archive = gzipSync(tarOf([
      { name: 'gallery/', type: '5' },
      { name: 'gallery/Connery/', type: '5' },
      { name: 'gallery/Connery/1.jpg', content: peoplePhoto(PEOPLE.Connery.enroll) },
    ]));
    const res = await postParts(system.app, '/v1/enrollments', [{ name: 'archive', filename: 'gallery.tgz', content: archive }]);
    assert.equal(res.statusCode, 202, res.body);
    const job = await finished(res.json<{ id: string }>().id);
    assert.deepEqual(job.enrollment.progress, { photos: 1, processed: 1, enrolled: 1, refused: 0 });
    assert.deepEqual(job.enrollment.subjects.map((s) => s.subject), ['Connery']);
  });

  test('hostile requests are refused before a job exists: a climbing path, a link, a zip, both fields, nothing', async () => {
    const photo = peoplePhoto(PEOPLE.Cage.enroll);
    const post = (parts: Parameters<typeof postParts>[2]) => postParts(system.app, '/v1/enrollments', parts);
    const cases: [Parameters<typeof postParts>[2], number, RegExp][] = [
      [[{ name: 'photos', filename: '../Cage/1.jpg', content: photo }], 400, /plain relative path/],
      [[{ name: 'archive', filename: 'a.tar', content: tarOf([{ name: 'Cage/../../x.jpg', content: photo }]) }], 400, /plain relative path/],
      [[{ name: 'archive', filename: 'a.tar', content: tarOf([{ name: 'Cage/1.jpg', type: '2', linkName: '/etc/passwd' }]) }], 400, /link/],
      [[{ name: 'archive', filename: 'a.zip', content: Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64)]) }], 415, /zip/],
      [[{ name: 'archive', filename: 'bomb.gz', content: gzipSync(Buffer.alloc(80 * 1024 * 1024)) }], 413, /expands past/],
      [[{ name: 'photos', filename: 'Cage/1.jpg', content: photo }, { name: 'archive', filename: 'a.tar', content: tarOf([]) }], 400, /not both/],
      [[{ name: 'note', content: 'hi' }], 400, /no files/],
    ];
    const before = (await system.app.inject({ url: '/v1/jobs' })).json<{ jobs: unknown[] }>().jobs.length;
    for (const [parts, status, message] of cases) {
      const res = await post(parts);
      assert.equal(res.statusCode, status, `${parts[0]!.filename}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }
    assert.equal((await system.app.inject({ url: '/v1/jobs' })).json<{ jobs: unknown[] }>().jobs.length, before);
  });
});
