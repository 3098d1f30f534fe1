import assert from 'node:assert/strict';
import type { RunningSystem } from '../../src/system/up.js';
import { demoFace } from '../recognition/support.js';
import { blankJpeg, degraded } from './images.js';

/** POST / as the seed's clients do (multipart field inputFile). */
export async function upload(url: string, fileName: string, bytes: Buffer): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('inputFile', new Blob([new Uint8Array(bytes)]), fileName);
  const response = await fetch(new URL('/', url), { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

/** Pending and running instances (stopping ones are on their way out). */
export async function activeInstances(system: RunningSystem): Promise<number> {
  return (await system.pool.list()).filter((i) => i.state === 'pending' || i.state === 'running').length;
}

/** Enrolls two people of face-api's demo photos through the API, then checks probes against them. */
export async function enrollAndRecognizeDemoPeople(system: RunningSystem): Promise<void> {
  for (const [name, face] of [['Alice', 'a1'], ['Bea', 'b']] as const) {
    const form = new FormData();
    form.append('photos', new Blob([new Uint8Array(await demoFace(face))]), `${face}.jpg`);
    const response = await fetch(new URL(`/v1/subjects/${name}/examples`, system.url), { method: 'POST', body: form });
    assert.equal(response.status, 201, await response.text());
  }
  const listed = (await (await fetch(new URL('/v1/subjects', system.url))).json()) as { subjects: { name: string }[] };
  assert.deepEqual(listed.subjects.map((s) => s.name).sort(), ['Alice', 'Bea']);
  const probes: Record<string, [Buffer, string]> = {
    alice_small: [await degraded(await demoFace('a1')), 'Alice'],
    bea_small: [await degraded(await demoFace('b')), 'Bea'],
    stranger: [await demoFace('c'), 'Unknown'],
    empty_room: [await blankJpeg(), 'NoFace'],
  };
  const entries = Object.entries(probes);
  const answers = await Promise.all(entries.map(([stem, [bytes]]) => upload(system.url, `${stem}.jpg`, bytes)));
  assert.deepEqual(answers.map((a) => `${a.status} ${a.body}`), entries.map(([stem, [, label]]) => `200 ${stem}:${label}`));
  const { names, store } = system.backends;
  for (const [stem, [bytes, label]] of entries) {
    assert.equal((await store.get(names.outputBucket, stem)).toString(), label);
    assert.deepEqual(await store.get(names.inputBucket, `${stem}.jpg`), bytes);
  }
}
