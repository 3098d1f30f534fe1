// For each photo in examples/new, what the service answers and the distance of the nearest enrolled subject
// (the figures in examples/README.md). Run against a service that enrolled examples/gallery (the Quickstart).
// Usage: node scripts/example-distances.mjs [url]   (default http://127.0.0.1:8000/)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const url = process.argv[2] ?? 'http://127.0.0.1:8000/';
const folder = 'examples/new';
for (const name of readdirSync(folder).sort()) {
  const form = new FormData();
  form.append('inputFile', new Blob([readFileSync(join(folder, name))]), name);
  const response = await fetch(new URL('/v1/recognitions', url), { method: 'POST', body: form });
  const result = await response.json();
  const face = result.faces?.[0];
  const distance = typeof face?.distance === 'number' ? face.distance.toFixed(3) : 'n/a';
  console.log(`${name}: ${result.label ?? response.status} (nearest subject at ${distance}; ${result.faces?.length ?? 0} face(s))`);
}
