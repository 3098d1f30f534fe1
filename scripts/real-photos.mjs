// The labelled real-photo set (test/fixtures/real-photos): checks the shipped copy against its manifest, or
// rebuilds it from the named sources, so that where every photo came from can be checked.
//
//   node scripts/real-photos.mjs verify [--dir DIR]
//       every manifest entry's file is there with its sha256; prints the set's counts; exit 1 otherwise.
//   node scripts/real-photos.mjs fetch [--dir DIR] [--base-url URL]
//       downloads each photo from its commit-pinned raw GitHub URL (<base-url>/<repo>/<commit>/<path>, default
//       https://raw.githubusercontent.com), checks the source's sha256, applies the recorded transform (only very
//       large photos are shrunk: sharp, EXIF rotation, longest side, JPEG quality) and writes it. A transformed
//       photo whose bytes differ from the manifest's digest (another libvips) is written and reported.
//       --base-url file:///some/dir reads <dir>/<repo>/<commit>/<path> instead (a local copy of the sources).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DIR = join(ROOT, 'test/fixtures/real-photos');
const DEFAULT_BASE_URL = 'https://raw.githubusercontent.com';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export function sourceUrl(baseUrl, entry) {
  return `${baseUrl.replace(/\/$/, '')}/${entry.sourceRepo}/${entry.commit}/${entry.path}`;
}

async function download(url) {
  if (url.startsWith('file:')) return readFile(fileURLToPath(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function applyTransform(bytes, transform) {
  const { default: sharp } = await import('sharp');
  const side = transform.maxSide;
  return sharp(bytes).rotate().resize(side, side, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: transform.quality }).toBuffer();
}

/** What the set holds, by the roles the accuracy bench and the tests use. */
export function summarize(manifest) {
  const people = (role) => new Set(manifest.filter((e) => e.role === role && e.person !== null).map((e) => e.person));
  const sources = new Set(manifest.map((e) => e.sourceRepo));
  const kinds = (kind) => manifest.filter((e) => e.kind === kind).length;
  return {
    photos: manifest.length,
    enrolledPeople: people('enrolled').size,
    strangers: people('stranger').size,
    groups: kinds('group'),
    closeups: kinds('closeup'),
    sources: [...sources].sort(),
  };
}

export async function verify(dir) {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const problems = [];
  for (const entry of manifest) {
    const file = join(dir, entry.file);
    if (!existsSync(file)) problems.push(`${entry.file}: missing`);
    else if (sha256(await readFile(file)) !== entry.sha256) problems.push(`${entry.file}: sha256 differs from the manifest`);
    if (!entry.sourceRepo || !/^[0-9a-f]{40}$/.test(entry.commit ?? '') || !entry.path || !entry.licence) problems.push(`${entry.file}: source, commit, path or licence missing`);
  }
  return { summary: summarize(manifest), problems };
}

export async function rebuild(dir, baseUrl) {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const problems = [];
  for (const entry of manifest) {
    const url = sourceUrl(baseUrl, entry);
    const source = await download(url);
    const expectedSource = entry.sourceSha256 ?? entry.sha256;
    if (sha256(source) !== expectedSource) {
      problems.push(`${entry.file}: ${url} has sha256 ${sha256(source)}, the manifest says ${expectedSource}`);
      continue;
    }
    const bytes = entry.transform ? await applyTransform(source, entry.transform) : source;
    if (sha256(bytes) !== entry.sha256) console.error(`real-photos: ${entry.file}: shrunk copy differs from the shipped one (another libvips); written`);
    await mkdir(dirname(join(dir, entry.file)), { recursive: true });
    await writeFile(join(dir, entry.file), bytes);
  }
  return { summary: summarize(manifest), problems };
}

async function main() {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, 'base-url': { type: 'string' } } });
  const [command] = positionals;
  const dir = resolve(values.dir ?? DEFAULT_DIR);
  if (command !== 'verify' && command !== 'fetch') {
    console.error('usage: node scripts/real-photos.mjs verify|fetch [--dir DIR] [--base-url URL]');
    process.exit(2);
  }
  const result = command === 'verify' ? await verify(dir) : await rebuild(dir, values['base-url'] ?? DEFAULT_BASE_URL);
  console.log(JSON.stringify(result.summary));
  for (const problem of result.problems) console.error(`real-photos: ${problem}`);
  process.exit(result.problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
