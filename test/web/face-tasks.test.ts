/**
 * POST /v1/verifications and /v1/detections through the real tiers: the web tier on embedded backends, the
 * request queue, a real worker with the real face model. Nothing of theirs is left in the input bucket and
 * nothing is written to the output bucket (the course's labels).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { DEFAULT_MATCH_RULES } from '../../src/recognition/matcher.js';
import { createWebTier } from '../../src/system/web-tier.js';
import { blankJpeg, demoPhoto } from '../helpers/images.js';
import { PEOPLE, peoplePhoto } from '../helpers/people-photos.js';
import { tempBackends } from '../helpers/system.js';
import { postParts, startWebWithWorker, TEST_STATUS, waitFor, type WebWithWorker } from './support.js';

interface Point { x: number; y: number }
interface Detection { box: { x: number; y: number; width: number; height: number }; score: number; quality: number; landmarks: Point[]; keyPoints: Point[] }

// The deployment's own rule: verification answers `same` at the recognition threshold.
const THRESHOLD = DEFAULT_MATCH_RULES.distanceThreshold;

describe('verify and detect through the queue and a real worker', () => {
  let system: WebWithWorker;
  before(async () => {
    system = await startWebWithWorker({ recognition: { distanceThreshold: THRESHOLD } });
  });
  after(async () => system.stop());

  const photo = (name: string, filename: string, content: Buffer) => ({ name, filename, content });
  const verify = (parts: Parameters<typeof postParts>[2]) => postParts(system.app, '/v1/verifications', parts);
  const leftovers = async () => {
    const { store, names } = system.backends;
    return { input: (await store.list(names.inputBucket)).map((o) => o.key), output: (await store.list(names.outputBucket)).map((o) => o.key) };
  };

  test('POST /v1/detections: every face with its box, 68 landmarks, 5 key points and a quality within the box', async () => {
    const image = demoPhoto('sample1.jpg');
    const res = await postParts(system.app, '/v1/detections', [photo('inputFile', 'group.jpg', image)]);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ file: string; faces: Detection[]; model: { kind: string }; worker: string }>();
    assert.equal(body.file, 'group.jpg');
    assert.equal(body.faces.length, 3, 'sample1.jpg shows three people');
    assert.equal(body.model.kind, 'face');
    assert.equal(body.worker, 'web-test-worker');
    const { width } = await sharp(image).metadata();
    for (const face of body.faces) {
      const { box } = face;
      assert.equal(face.landmarks.length, 68);
      assert.equal(face.keyPoints.length, 5);
      assert.ok(face.quality > 0 && face.quality <= face.score, JSON.stringify(face));
      const inside = (p: Point, slack: number) => p.x >= box.x - slack && p.x <= box.x + box.width + slack && p.y >= box.y - slack && p.y <= box.y + box.height + slack;
      assert.ok(face.keyPoints.every((p) => inside(p, 0)), `key points inside the box: ${JSON.stringify(face)}`);
      assert.ok(face.landmarks.every((p) => inside(p, box.width * 0.25)), 'landmarks around the box');
      const [leftEye, rightEye, nose, mouthLeft, mouthRight] = face.keyPoints as [Point, Point, Point, Point, Point];
      assert.ok(leftEye.x < rightEye.x && mouthLeft.x < mouthRight.x, 'image left before image right');
      // Faces may be tilted: the nose tip lies near the middle between the eyes' and the mouth's centers.
      const middle = { x: (leftEye.x + rightEye.x + mouthLeft.x + mouthRight.x) / 4, y: (leftEye.y + rightEye.y + mouthLeft.y + mouthRight.y) / 4 };
      const eyeGap = Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y);
      assert.ok(Math.hypot(nose.x - middle.x, nose.y - middle.y) < eyeGap / 2, `the nose between eyes and mouth: ${JSON.stringify(face.keyPoints)}`);
      assert.ok(box.x >= 0 && box.x + box.width <= width!);
    }
    const blank = await postParts(system.app, '/v1/detections', [photo('inputFile', 'blank.jpg', await blankJpeg())]);
    assert.equal(blank.statusCode, 200, blank.body);
    assert.deepEqual(blank.json().faces, []);
    assert.deepEqual(await leftovers(), { input: [], output: [] }, 'task photos are deleted; no label is written');
  });

  test('POST /v1/verifications with two photos: the same person on another day, and two people, against the configured threshold', async () => {
    const cage = peoplePhoto(PEOPLE.Cage.enroll);
    const same = await verify([photo('source', 'a.jpg', cage), photo('target', 'b.jpg', peoplePhoto(PEOPLE.Cage.probe))]);
    assert.equal(same.statusCode, 200, same.body);
    const yes = same.json<{ same: boolean; distance: number; threshold: number; faces: { source: number; target: number } }>();
    assert.equal(yes.threshold, THRESHOLD);
    assert.ok(yes.same && yes.distance <= THRESHOLD, same.body);
    assert.deepEqual(yes.faces, { source: 1, target: 1 });
    const other = await verify([photo('source', 'a.jpg', cage), photo('target', 'a.jpg', peoplePhoto(PEOPLE.Bieber.probe))]);
    assert.equal(other.statusCode, 200, other.body);
    assert.ok(!other.json().same && other.json().distance > THRESHOLD, other.body);
    assert.deepEqual(await leftovers(), { input: [], output: [] });
  });

  test('a photo without a face is 422 NO_FACE naming it; a missing or doubled target is 400', async () => {
    const cage = peoplePhoto(PEOPLE.Cage.enroll);
    const blank = await blankJpeg();
    const noTarget = await verify([photo('source', 'a.jpg', cage), photo('target', 'b.jpg', blank)]);
    assert.equal(noTarget.statusCode, 422, noTarget.body);
    assert.equal(noTarget.json().error.code, 'NO_FACE');
    assert.match(noTarget.json().error.message, /target photo/);
    const noSource = await verify([photo('source', 'a.jpg', blank), photo('target', 'b.jpg', cage)]);
    assert.match(noSource.json().error.message, /source photo/);
    const neither = await verify([photo('source', 'a.jpg', cage)]);
    assert.equal(neither.statusCode, 400);
    assert.match(neither.json().error.message, /"target".*"subject"/);
    const both = await verify([photo('source', 'a.jpg', cage), photo('target', 'b.jpg', cage), { name: 'subject', content: 'Cage' }]);
    assert.equal(both.statusCode, 400);
    const notImage = await verify([photo('source', 'a.jpg', cage), photo('target', 'b.jpg', Buffer.from('not an image'))]);
    assert.equal(notImage.statusCode, 415, notImage.body);
    assert.match(notImage.json().error.message, /^target: /);
  });

  test('POST /v1/verifications against an enrolled subject; an unknown subject is 404', async () => {
    const enrolled = await postParts(system.app, '/v1/subjects/Connery/examples', [photo('photos', 'c.jpg', peoplePhoto(PEOPLE.Connery.enroll))]);
    assert.equal(enrolled.statusCode, 201, enrolled.body);
    const probe = peoplePhoto(PEOPLE.Connery.probe);
    const answer = await waitFor('the worker to know Connery', async () => {
      const res = await verify([photo('source', 'p.jpg', probe), { name: 'subject', content: 'Connery' }]);
      return res.statusCode === 200 ? res.json<{ same: boolean; distance: number; faces: object }>() : undefined;
    });
    assert.ok(answer.same && answer.distance <= THRESHOLD, JSON.stringify(answer));
    assert.deepEqual(answer.faces, { source: 1 });
    const stranger = await verify([photo('source', 'p.jpg', peoplePhoto(PEOPLE.Bieber.probe)), { name: 'subject', content: 'Connery' }]);
    assert.equal(stranger.json().same, false, stranger.body);
    const unknown = await verify([photo('source', 'p.jpg', probe), { name: 'subject', content: 'Nobody' }]);
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.match(unknown.json().error.message, /no subject named "Nobody"/);
  });
});

describe('verify and detect under another model', () => {
  test('409 WRONG_MODEL saying it needs --model face, before anything is queued', async () => {
    const backends = await tempBackends({ model: { kind: 'objects' } });
    const web = await createWebTier(backends, { requestQueue: backends.requestQueue, status: TEST_STATUS });
    try {
      for (const url of ['/v1/verifications', '/v1/detections']) {
        const res = await postParts(web.app, url, [{ name: 'source', filename: 'a.jpg', content: await blankJpeg() }]);
        assert.equal(res.statusCode, 409, res.body);
        assert.equal(res.json().error.code, 'WRONG_MODEL');
        assert.match(res.json().error.message, /--model face/);
      }
      assert.equal((await backends.requestQueue.depth()).visible, 0);
    } finally {
      await web.close();
      await backends.dispose();
    }
  });
});
