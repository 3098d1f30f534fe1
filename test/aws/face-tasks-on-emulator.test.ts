/**
 * Bulk enrollment, verification and detection with queue = sqs and storage = s3 on fauxqs, compute = local
 * worker processes: the same tiers as on AWS. The task photos are gone from the input bucket afterwards and no
 * label is written to the output bucket.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { demoPhoto } from '../helpers/images.js';
import { PEOPLE, peoplePhoto } from '../helpers/people-photos.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';
import { waitUntil } from '../helpers/wait.js';

useDummyAwsCredentials();

/** The fields of the answers this test reads. */
interface Answer {
  id?: string;
  status?: string;
  same?: boolean;
  faces?: { landmarks: unknown[] }[];
  enrollment?: { progress: unknown };
}

function form(parts: [field: string, name: string, bytes: Buffer | string][]): FormData {
  const body = new FormData();
  for (const [field, name, bytes] of parts) {
    if (typeof bytes === 'string') body.append(field, bytes);
    else body.append(field, new Blob([new Uint8Array(bytes)]), name);
  }
  return body;
}

describe('verify, detect and bulk enrollment on SQS + S3 (fauxqs)', () => {
  let emulator: Fauxqs;
  let dataDir: string;
  let system: RunningSystem;
  before(async () => {
    emulator = await startFauxqs();
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-aws-faces-'));
    const aws = { endpoint: emulator.endpoint, region: emulator.region };
    system = await startSystem(loadConfig({
      dataDir,
      prefix: 'sf-faces',
      logLevel: 'silent',
      web: { port: 0 },
      queue: { backend: 'sqs', sqs: aws, visibilityTimeoutSeconds: 5 },
      storage: { backend: 's3', s3: { ...aws, forcePathStyle: true } },
      recognition: { galleryRefreshMs: 200 },
      autoscaler: { idleWindowMs: 1000 },
    }, {}));
  });
  after(async () => {
    await system?.close();
    await emulator?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (path: string, body: FormData) => {
    const response = await fetch(new URL(path, system.url), { method: 'POST', body });
    return { status: response.status, body: (await response.json()) as Answer };
  };

  test('a bulk enrollment job, then a verification against the subject and a detection, through the workers', { timeout: 240_000 }, async () => {
    const accepted = await post('/v1/enrollments', form([['photos', 'Cage/1.jpg', peoplePhoto(PEOPLE.Cage.enroll)], ['photos', 'Connery/1.jpg', peoplePhoto(PEOPLE.Connery.enroll)]]));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    let job: Answer = {};
    await waitUntil('the bulk enrollment to finish', async () => {
      job = (await (await fetch(new URL(`/v1/jobs/${accepted.body.id ?? ''}`, system.url))).json()) as Answer;
      return job.status === 'succeeded';
    }, 120_000);
    assert.deepEqual(job.enrollment?.progress, { photos: 2, processed: 2, enrolled: 2, refused: 0 });

    let verdict: Answer = {};
    await waitUntil('a worker to verify against Cage', async () => {
      const answer = await post('/v1/verifications', form([['source', 'probe.jpg', peoplePhoto(PEOPLE.Cage.probe)], ['subject', '', 'Cage']]));
      verdict = answer.body;
      return answer.status === 200;
    }, 180_000);
    assert.equal(verdict.same, true, JSON.stringify(verdict));
    const detected = await post('/v1/detections', form([['inputFile', 'group.jpg', demoPhoto('sample1.jpg')]]));
    assert.equal(detected.status, 200, JSON.stringify(detected.body));
    assert.equal(detected.body.faces?.length, 3);
    assert.ok((detected.body.faces ?? []).every((face) => face.landmarks.length === 68));

    const { store, names } = system.backends;
    assert.deepEqual((await store.list(names.inputBucket, 'tasks/')).map((o) => o.key), []);
    assert.deepEqual((await store.list(names.outputBucket)).map((o) => o.key), []);
  });
});
