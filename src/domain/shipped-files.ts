/**
 * Files that ship with scaleface but are not compiled (the web page, model weights in assets/): found by walking
 * up from this module, so the same code finds them whether it runs from src/ or from dist/src/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<package>/<folder>` when it holds `marker`, else undefined. */
export function findShippedFolder(folder: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, folder);
    if (existsSync(join(candidate, marker))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
