/**
 * What `npm pack` puts in the package (package.json `files`): the built command line, the page, the assets and the
 * docs, no tests, benchmarks or CI files; and that a copy of exactly those files starts and answers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { cleanEnv, startUp } from '../helpers/cli-process.js';

interface PackageJson {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const ROOT = process.cwd();
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** `npm pack --dry-run --json`, without its prepack build (the tests run on the build already made). */
function packedFiles(): { files: string[]; size: number } {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const [report] = JSON.parse(run.stdout) as [{ files: { path: string }[]; size: number }];
  return { files: report.files.map((f) => f.path), size: report.size };
}

/** Static imports, dynamic `import('…')` with a literal, and `new URL('./x.js', import.meta.url)` (thread scripts). */
const SPECIFIERS = [
  /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /new URL\(\s*['"](\.[^'"]+\.js)['"],\s*import\.meta\.url\)/g,
];

/** Every file of the project the bin loads (relative to the root) and every package it imports by name. */
function reachableFromBin(bin: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [resolve(ROOT, bin)];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const path = relative(ROOT, file);
    if (files.has(path)) continue;
    files.add(path);
    const text = readFileSync(file, 'utf8');
    for (const pattern of SPECIFIERS) {
      for (const [, specifier] of text.matchAll(pattern)) {
        if (specifier === undefined || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
        else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

describe('the packed package', () => {
  let packed: { files: string[]; size: number };
  before(() => {
    packed = packedFiles();
  });

  test('holds no test, benchmark, CI, deployment or source-map file', () => {
    const unwanted = packed.files.filter(
      (f) => /^(test|bench|deploy|scripts|examples|\.ci)\//.test(f) || /^dist\/(?!src\/)/.test(f) || /\.test\.js$|\.map$|\.ts$/.test(f),
    );
    assert.deepEqual(unwanted, []);
    assert.deepEqual(packed.files.filter((f) => /real-photos/.test(f)), [], 'the labelled real-photo set stays in the repository');
    const sources = packed.files.filter((f) => f.startsWith('src/') && !f.startsWith('src/web/ui/'));
    assert.deepEqual(sources, [], 'only the page of src/ (it is served as it is)');
  });

  test('holds the bin, every file it loads, the page, the assets and the docs the README links', () => {
    const list = new Set(packed.files);
    const bin = manifest.bin.scaleface!;
    assert.ok(list.has(bin), `the bin ${bin}`);
    const missing = [...reachableFromBin(bin).files].filter((f) => !list.has(f));
    assert.deepEqual(missing, [], 'files the bin imports');
    for (const f of ['src/web/ui/index.html', 'assets/darknet-tiny-imagenet/model.json', 'README.md', 'docs/ARCHITECTURE.md', 'docs/aws.md']) {
      assert.ok(list.has(f), f);
    }
  });

  test('every package the bin imports is a dependency (devDependencies are not installed with it)', () => {
    const installed = { ...manifest.dependencies, ...manifest.optionalDependencies };
    const notInstalled = [...reachableFromBin(manifest.bin.scaleface!).packages].filter((name) => installed[name] === undefined);
    assert.deepEqual(notInstalled, []);
  });

  test('a copy of exactly the packed files starts, serves the page and answers a photo', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-packed-'));
    try {
      for (const file of packed.files) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        copyFileSync(join(ROOT, file), join(dir, file));
      }
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      assert.ok(!existsSync(join(dir, 'dist/test')));
      const bin = join(dir, manifest.bin.scaleface!);
      const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
      assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version);
      await answersFromCopy(dir, bin);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** `up` from the copy (its workers are started from the copy too): the page, and a photo's answer. */
async function answersFromCopy(dir: string, bin: string): Promise<void> {
  const up = await startUp(['--data-dir', join(dir, 'data')], cleanEnv({ SCALEFACE_LOG_LEVEL: 'warn' }), 120_000, bin);
  try {
    const page = await fetch(up.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const form = new FormData();
    form.append('inputFile', new Blob([await readFile(join(ROOT, 'examples/new/cage.jpg'))]), 'cage.jpg');
    const answer = await fetch(up.url, { method: 'POST', body: form });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), 'cage:Unknown', 'nobody enrolled: a face, and Unknown');
  } finally {
    await up.stop();
  }
}
