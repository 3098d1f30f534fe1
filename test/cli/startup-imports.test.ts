/**
 * What every `scaleface` command loads before it runs (the static import graph of dist/src/cli/main.js): never the
 * AWS SDK, which a local worker's cold start would pay for on every launch (about half a second on this machine:
 * the bench's "cold start → first answer" went from 0.57 s to 1.1 s when `aws bake` imported EC2Client statically).
 * The SDK clients are imported where they are used, when the configuration asks for AWS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm;

/** Bare module names reachable from `entry` through static imports, with the file that imports each first. */
function staticGraph(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!packages.has(specifier)) packages.set(specifier, file);
    }
  }
  return packages;
}

describe('what the command line loads at start', () => {
  test('no AWS SDK client and no model runtime in the static import graph of the CLI', () => {
    const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const graph = staticGraph(main);
    const heavy = [...graph].filter(([name]) => name.startsWith('@aws-sdk/') || name === 'onnxruntime-node' || name.startsWith('@tensorflow/'));
    assert.deepEqual(heavy, [], heavy.map(([name, file]) => `${name} (imported by ${file})`).join('\n'));
    assert.ok(graph.has('commander'), 'the graph walk found the CLI parser');
  });
});
