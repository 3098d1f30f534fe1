import { collectionGalleryPrefix } from '../domain/collections.js';
import type { ObjectStore } from '../ports/object-store.js';
import { prefixedObjectStore } from '../ports/object-store-view.js';
import { GalleryAdmin, ThreadedFaceEmbedder } from '../recognition/index.js';
import type { RuntimeChoice } from '../recognition/face-runtime.js';

/**
 * The web tier's enrollment of every collection: one GalleryAdmin per collection (each serializes its own
 * changes), over its part of the gallery bucket, all sharing one pool of embedding threads.
 */
export function collectionGalleryAdmins(store: ObjectStore, bucket: string, runtime: RuntimeChoice = {}): (collection: string) => GalleryAdmin {
  const embedder = new ThreadedFaceEmbedder({ runtime });
  const admins = new Map<string, GalleryAdmin>();
  return (collection) => {
    let admin = admins.get(collection);
    if (admin === undefined) {
      admin = new GalleryAdmin(prefixedObjectStore(store, collectionGalleryPrefix(collection)), bucket, embedder);
      admins.set(collection, admin);
    }
    return admin;
  };
}
