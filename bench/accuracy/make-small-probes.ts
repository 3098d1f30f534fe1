/**
 * `node dist/bench/accuracy/make-small-probes.js --seed <seed-data> --out <folder>`: writes the small degraded
 * probes of small-probes.ts as files, `<out>/<subject>/<photo>-<variant>.jpg`, to look at or to send to a service.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seedGalleryPhotos, smallProbesOf } from './small-probes.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' } } });
  if (values.seed === undefined || values.out === undefined) {
    console.error('usage: make-small-probes --seed <seed-data folder> --out <folder>');
    process.exit(64);
  }
  let written = 0;
  for await (const [subject, file, photo] of seedGalleryPhotos(values.seed)) {
    await mkdir(join(values.out, subject), { recursive: true });
    for (const probe of await smallProbesOf(photo)) {
      await writeFile(join(values.out, subject, `${file.replace(/\.jpg$/i, '')}-${probe.variant}.jpg`), probe.bytes);
      written += 1;
    }
  }
  console.log(`${written} probes written to ${values.out}`);
}

await main();
