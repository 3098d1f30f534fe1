// Starts the service as a user would (`npx scaleface up`, embedded backends, a fresh data folder, a free port),
// sends it one course image and checks the plain-text answer, then sends SIGTERM to the process group (as a
// terminal's Ctrl-C does: npx alone does not pass SIGTERM on) and checks that the service stops within a bound
// (up's own exit code is tested in test/system/up-close).
// With the course's seed data (as the tests find it: $SCALEFACE_SEED_DATA, ../shared/seed-data) it enrolls Paul
// and expects `test_000:Paul`; without it, the repository's dog photo and `dog:NoFace`.
// .ci/run runs it on every Node line after the tests. Usage: node scripts/smoke-up.mjs (after npm run build).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const READY_WITHIN_MS = 180_000;
const EXIT_WITHIN_MS = 60_000;

function seedDir() {
  const candidates = [process.env.SCALEFACE_SEED_DATA, join(REPO, '../shared/seed-data'), '/work/shared/seed-data'];
  return candidates.find((dir) => dir && existsSync(join(dir, 'face_images_1000')) && existsSync(join(dir, 'gallery')));
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitReady(url, child) {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`up exited with ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`up was not ready within ${READY_WITHIN_MS} ms`);
}

function photoForm(field, paths) {
  const form = new FormData();
  for (const path of paths) form.append(field, new Blob([readFileSync(path)], { type: 'image/jpeg' }), basename(path));
  return form;
}

async function post(url, form) {
  const answer = await fetch(url, { method: 'POST', body: form });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`POST ${url} answered ${answer.status}: ${text}`);
  return text;
}

/** The image to send and the answer expected, enrolling what that answer needs first. */
async function prepareCase(url) {
  const seed = seedDir();
  if (seed === undefined) return { image: join(REPO, 'test/fixtures/photos/dog.jpg'), expected: 'dog:NoFace' };
  const paulDir = join(seed, 'gallery/Paul');
  const photos = readdirSync(paulDir).filter((name) => /\.(jpe?g|png)$/i.test(name)).map((name) => join(paulDir, name));
  await post(`${url}v1/subjects/Paul/examples`, photoForm('photos', photos));
  return { image: join(seed, 'face_images_1000/test_000.jpg'), expected: 'test_000:Paul' };
}

function exited(child) {
  return new Promise((done, fail) => {
    if (child.exitCode !== null) return done(child.exitCode);
    const bound = setTimeout(() => fail(new Error(`up did not exit within ${EXIT_WITHIN_MS} ms of SIGTERM`)), EXIT_WITHIN_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(bound);
      done(code ?? signal);
    });
  });
}

/** Resolves once nothing answers on the service's port. */
async function stopped(url) {
  const deadline = Date.now() + EXIT_WITHIN_MS;
  while (await fetch(`${url}healthz`).then(() => true, () => false)) {
    if (Date.now() > deadline) throw new Error(`the service still answers ${EXIT_WITHIN_MS} ms after SIGTERM`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'scaleface-smoke-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn('npx', ['scaleface', 'up', '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    await waitReady(url, child);
    const { image, expected } = await prepareCase(url);
    const answer = (await post(url, photoForm('inputFile', [image]))).trim();
    if (answer !== expected) throw new Error(`POST / answered "${answer}", expected "${expected}"`);
    process.kill(-child.pid, 'SIGTERM');
    await exited(child);
    await stopped(url);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`smoke: npx scaleface up on Node ${process.version} answered ${answer} and stopped on SIGTERM (${seconds} s)`);
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`smoke: FAILED on Node ${process.version}: ${error.message}`);
  process.exit(1);
});
