/**
 * A storage fault that binds root too: `chattr +i` (the immutable attribute of ext2/3/4 and similar file
 * systems). Creating, renaming or deleting a file in an immutable folder fails with EPERM, for every user;
 * `chmod` would not stop the tests, which run as root here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes `dirs` and everything under them immutable, or writable again. */
export function setImmutable(dirs: readonly string[], on: boolean): void {
  for (const dir of dirs) execFileSync('chattr', ['-R', on ? '+i' : '-i', dir]);
}

/** Undefined when this machine can make a folder immutable; otherwise why not (the reason to skip). */
export function immutableUnsupported(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'scaleface-chattr-'));
  try {
    setImmutable([dir], true);
    setImmutable([dir], false);
    return undefined;
  } catch (error) {
    return `chattr +i is not available here (${String(error).split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
