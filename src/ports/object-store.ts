/**
 * Buckets of objects addressed by key, with the semantics shared by S3 and a local folder:
 * whole-object writes are atomic (a reader sees the old or the new bytes, never a mix).
 */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Epoch milliseconds of the last write. */
  readonly modifiedAt: number;
  /** Changes whenever the object's bytes change. */
  readonly etag: string;
}

export interface PutOptions {
  readonly contentType?: string;
}

export interface ObjectStore {
  /** Creates the bucket when missing. */
  ensureBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer, options?: PutOptions): Promise<void>;
  /** Throws NotFoundError when the object does not exist. */
  get(bucket: string, key: string): Promise<Buffer>;
  /** Undefined when the object does not exist. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(bucket: string, prefix?: string): Promise<ObjectInfo[]>;
  /** Deleting a missing object is a no-op. */
  delete(bucket: string, key: string): Promise<void>;
}
