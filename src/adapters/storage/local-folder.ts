import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { RESERVED_KEY_SUFFIX } from '../../domain/naming.js';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../ports/object-store.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,62}$/;
const TEMP_SUFFIX = RESERVED_KEY_SUFFIX;

/** Rejects keys that could leave their bucket's folder or collide with our temporary files. */
export function checkObjectKey(key: string): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidInputError('object key must be 1..1024 characters');
  if (/[\0\\]/.test(key) || key.startsWith('/')) throw new InvalidInputError(`object key "${key}" is not allowed`);
  for (const part of key.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.endsWith(TEMP_SUFFIX)) {
      throw new InvalidInputError(`object key "${key}" has a forbidden path segment`);
    }
  }
}

function checkBucket(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) throw new InvalidInputError(`bucket name "${bucket}" is not allowed`);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * One folder per bucket under `root`; an object is a file whose path is its key.
 * Writes go to a temporary file in the same folder and are renamed into place (atomic on POSIX).
 */
export class LocalFolderStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Folder of a bucket (where `scaleface up --data-dir D` keeps bucket `<name>`: D/buckets/<name>). */
  bucketPath(bucket: string): string {
    checkBucket(bucket);
    return join(this.root, bucket);
  }

  private objectPath(bucket: string, key: string): string {
    checkObjectKey(key);
    const base = this.bucketPath(bucket);
    const path = resolve(base, key);
    if (!path.startsWith(base + sep)) throw new InvalidInputError(`object key "${key}" escapes its bucket`);
    return path;
  }

  async ensureBucket(bucket: string): Promise<void> {
    await mkdir(this.bucketPath(bucket), { recursive: true });
  }

  async put(bucket: string, key: string, body: Buffer, _options?: PutOptions): Promise<void> {
    const path = this.objectPath(bucket, key);
    const temp = `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    try {
      // The folder usually exists: create it only when the write says it is missing (one file-system call less).
      await writeFile(temp, body).catch(async (error: unknown) => {
        if (!isMissing(error)) throw error;
        await mkdir(resolve(path, '..'), { recursive: true });
        await writeFile(temp, body);
      });
      await rename(temp, path);
    } catch (error) {
      // The write's error is the one to report: removing the temporary file fails too on a storage fault (an
      // immutable file cannot be unlinked, and rm then reports ENOTDIR); a leftover is never listed.
      await rm(temp, { force: true }).catch(() => undefined);
      if (isMissing(error)) throw new NotFoundError(`bucket ${bucket} does not exist`, { cause: error });
      throw error;
    }
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    try {
      return await readFile(this.objectPath(bucket, key));
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new NotFoundError(`object ${bucket}/${key} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.objectPath(bucket, key));
      return info.isFile() ? toInfo(key, info.size, info.mtimeMs, info.ino) : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    const base = this.bucketPath(bucket);
    let names: string[];
    try {
      names = await readdir(base, { recursive: true });
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`bucket ${bucket} does not exist`, { cause: error });
      throw error;
    }
    const keys = names
      .map((n) => n.split(sep).join('/'))
      .filter((k) => k.startsWith(prefix) && !k.endsWith(TEMP_SUFFIX));
    const infos = await Promise.all(keys.map((k) => this.head(bucket, k)));
    return infos.filter((i): i is ObjectInfo => i !== undefined).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async delete(bucket: string, key: string): Promise<void> {
    await rm(this.objectPath(bucket, key), { force: true });
  }
}

function toInfo(key: string, size: number, mtimeMs: number, inode: number): ObjectInfo {
  // A rename-based write always creates a new inode, so inode + mtime + size changes with the bytes.
  const etag = createHash('sha1').update(`${inode}:${mtimeMs}:${size}`).digest('hex');
  return { key, size, modifiedAt: Math.floor(mtimeMs), etag };
}
