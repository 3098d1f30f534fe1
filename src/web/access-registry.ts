/**
 * The deployment's collections and their API keys, kept in the gallery bucket through the ObjectStore port (so
 * every web process on the folder store or on S3 reads the same ones):
 *   access/collections/<name>.json              { name, createdAt }
 *   access/keys/<collection>/<sha256 hex>.json  { id, collection, scopes, name?, createdAt }: never the key itself
 * A key is shown once, when it is created: 32 random bytes, `sfk_` + base64url. Lookups are cached for `cacheMs`,
 * so a revoked key (its object deleted) stops working on every web process within that.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_COLLECTION, parseScopes, validateCollectionName, type KeyScope } from '../domain/collections.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';

export const ACCESS_PREFIX = 'access/';
const COLLECTIONS_PREFIX = `${ACCESS_PREFIX}collections/`;
const KEYS_PREFIX = `${ACCESS_PREFIX}keys/`;
const KEY_PREFIX = 'sfk_';
/** Characters of the key's hash that name it in listings and revocations. */
const KEY_ID_LENGTH = 16;
/** Lookups remembered at once; past it the cache starts again (a flood of made-up keys cannot grow it). */
const MAX_CACHED = 10_000;
const MAX_KEY_NAME = 100;

export interface CollectionRecord {
  readonly name: string;
  /** Epoch ms; null for the default collection, which always exists. */
  readonly createdAt: number | null;
}

export interface KeyRecord {
  readonly id: string;
  readonly collection: string;
  readonly scopes: KeyScope[];
  readonly name?: string;
  readonly createdAt: number;
}

/** A key as answered once, at its creation. */
export interface CreatedKey extends KeyRecord {
  readonly key: string;
}

/** What the auth guards and the collections routes need (AccessRegistry; a default-only stand-in for tests). */
export interface CollectionAccess {
  collectionExists(name: string): Promise<boolean>;
  /** The key's record when `presented` is a live key of `collection`. */
  keyOf(collection: string, presented: string): Promise<KeyRecord | undefined>;
  createCollection(name: string): Promise<CollectionRecord>;
  listCollections(): Promise<CollectionRecord[]>;
  createKey(collection: string, request: { scopes: readonly string[]; name?: string }): Promise<CreatedKey>;
  listKeys(collection: string): Promise<KeyRecord[]>;
  revokeKey(collection: string, id: string): Promise<KeyRecord>;
}

export function hashOfKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const collectionKey = (name: string) => `${COLLECTIONS_PREFIX}${name}.json`;
const keysPrefix = (collection: string) => `${KEYS_PREFIX}${collection}/`;

/** A short-lived memory of lookups, present and absent answers alike. */
class LookupCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.until > this.now()) return hit.value;
    const value = await load();
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_CACHED) this.entries.clear();
      this.entries.set(key, { value, until: this.now() + this.ttlMs });
    }
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

export interface AccessRegistryOptions {
  /** How long a lookup is trusted (config web.accessCacheMs). */
  readonly cacheMs: number;
  readonly now?: () => number;
}

export class AccessRegistry implements CollectionAccess {
  private readonly now: () => number;
  private readonly collections: LookupCache<boolean>;
  private readonly keys: LookupCache<KeyRecord | undefined>;

  constructor(private readonly store: ObjectStore, private readonly bucket: string, options: AccessRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.collections = new LookupCache(options.cacheMs, this.now);
    this.keys = new LookupCache(options.cacheMs, this.now);
  }

  collectionExists(name: string): Promise<boolean> {
    if (name === DEFAULT_COLLECTION) return Promise.resolve(true);
    return this.collections.get(name, async () => (await this.store.head(this.bucket, collectionKey(name))) !== undefined);
  }

  async keyOf(collection: string, presented: string): Promise<KeyRecord | undefined> {
    if (!presented.startsWith(KEY_PREFIX)) return undefined;
    const objectKey = `${keysPrefix(collection)}${hashOfKey(presented)}.json`;
    return this.keys.get(objectKey, () => this.readKey(objectKey));
  }

  /** Not atomic across web processes: two creating the same name at once both succeed, with one record. */
  async createCollection(name: string): Promise<CollectionRecord> {
    validateCollectionName(name);
    if (await this.collectionExistsNow(name)) throw new ConflictError(`collection "${name}" exists already`, { retryable: false });
    const record: CollectionRecord = { name, createdAt: this.now() };
    await this.putJson(collectionKey(name), record);
    this.collections.forget(name);
    return record;
  }

  async listCollections(): Promise<CollectionRecord[]> {
    const named: CollectionRecord[] = [];
    for (const info of await this.store.list(this.bucket, COLLECTIONS_PREFIX)) {
      const record = await this.readJson<CollectionRecord>(info.key);
      if (record !== undefined) named.push(record);
    }
    return [{ name: DEFAULT_COLLECTION, createdAt: null }, ...named];
  }

  async createKey(collection: string, request: { scopes: readonly string[]; name?: string }): Promise<CreatedKey> {
    await this.requireCollection(collection);
    const scopes = parseScopes(request.scopes);
    const name = request.name?.trim();
    if (name !== undefined && name.length > MAX_KEY_NAME) throw new InvalidInputError(`a key's name has at most ${MAX_KEY_NAME} characters`);
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const hash = hashOfKey(key);
    const record: KeyRecord = { id: hash.slice(0, KEY_ID_LENGTH), collection, scopes, ...(name ? { name } : {}), createdAt: this.now() };
    const objectKey = `${keysPrefix(collection)}${hash}.json`;
    await this.putJson(objectKey, record);
    this.keys.forget(objectKey);
    return { ...record, key };
  }

  async listKeys(collection: string): Promise<KeyRecord[]> {
    await this.requireCollection(collection);
    const records: KeyRecord[] = [];
    for (const info of await this.store.list(this.bucket, keysPrefix(collection))) {
      const record = await this.readJson<KeyRecord>(info.key);
      if (record !== undefined) records.push(record);
    }
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  async revokeKey(collection: string, id: string): Promise<KeyRecord> {
    await this.requireCollection(collection);
    const prefix = `${keysPrefix(collection)}${id.toLowerCase()}`;
    const found = /^[0-9a-f]{16}$/i.test(id) ? (await this.store.list(this.bucket, prefix))[0] : undefined;
    const record = found === undefined ? undefined : await this.readJson<KeyRecord>(found.key);
    if (found === undefined || record === undefined) throw new NotFoundError(`collection "${collection}" has no key ${JSON.stringify(id.slice(0, 40))}`);
    await this.store.delete(this.bucket, found.key);
    this.keys.forget(found.key);
    return record;
  }

  private async requireCollection(collection: string): Promise<void> {
    validateCollectionName(collection);
    if (!(await this.collectionExistsNow(collection))) throw unknownCollection(collection);
  }

  private async collectionExistsNow(name: string): Promise<boolean> {
    return name === DEFAULT_COLLECTION || (await this.store.head(this.bucket, collectionKey(name))) !== undefined;
  }

  private async readKey(objectKey: string): Promise<KeyRecord | undefined> {
    return this.readJson<KeyRecord>(objectKey);
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse((await this.store.get(this.bucket, key)).toString('utf8')) as T;
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private putJson(key: string, value: unknown): Promise<void> {
    return this.store.put(this.bucket, key, Buffer.from(JSON.stringify(value)), { contentType: 'application/json' });
  }
}

/** The refusal of a route naming a collection that does not exist. */
export function unknownCollection(name: string): NotFoundError {
  return new NotFoundError(`no collection "${name}"; the deployment's admin creates it with POST /v1/collections`);
}

/** Only the default collection and no keys: a web tier built without a registry (tests of other parts). */
export function defaultCollectionOnly(): CollectionAccess {
  const refuse = async (): Promise<never> => {
    throw new NotFoundError('this web tier keeps no collections but the default one');
  };
  return {
    collectionExists: async (name) => name === DEFAULT_COLLECTION,
    keyOf: async () => undefined,
    createCollection: refuse,
    listCollections: async () => [{ name: DEFAULT_COLLECTION, createdAt: null }],
    createKey: refuse,
    listKeys: async () => [],
    revokeKey: refuse,
  };
}
