import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

/**
 * An ObjectStore whose keys all live under `prefix` of the underlying store: a key `k` is `prefix + k` there, and
 * listings see only that part, with the prefix taken off. With an empty prefix it is the store itself. Whatever
 * reads or writes a gallery through it (GalleryCache, GalleryAdmin) cannot tell a collection's part of the bucket
 * from a bucket of its own.
 */
export function prefixedObjectStore(store: ObjectStore, prefix: string): ObjectStore {
  if (prefix === '') return store;
  const strip = (info: ObjectInfo): ObjectInfo => ({ ...info, key: info.key.slice(prefix.length) });
  return {
    ensureBucket: (bucket: string) => store.ensureBucket(bucket),
    put: (bucket: string, key: string, body: Buffer, options?: PutOptions) => store.put(bucket, prefix + key, body, options),
    get: (bucket: string, key: string) => store.get(bucket, prefix + key),
    head: async (bucket: string, key: string) => {
      const info = await store.head(bucket, prefix + key);
      return info === undefined ? undefined : strip(info);
    },
    list: async (bucket: string, listPrefix = '') => (await store.list(bucket, prefix + listPrefix)).map(strip),
    delete: (bucket: string, key: string) => store.delete(bucket, prefix + key),
  };
}
