/**
 * The galleries a worker matches against, one per collection: the default collection's is loaded at start (the
 * worker refuses to start on a gallery of another model); every other collection's is created on its first request,
 * over the collection's part of the gallery bucket (`collections/<name>/`), and kept fresh like the default one.
 */
import { collectionGalleryPrefix, DEFAULT_COLLECTION } from '../domain/collections.js';
import type { ObjectStore } from '../ports/object-store.js';
import { prefixedObjectStore } from '../ports/object-store-view.js';
import { GalleryCache, type GalleryCacheOptions } from './gallery.js';

export class CollectionGalleries {
  private readonly others = new Map<string, Promise<GalleryCache>>();
  private stopped = false;

  /** `defaultGallery` is the one at the bucket's root, already created by the caller. */
  constructor(
    readonly defaultGallery: GalleryCache,
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly options: GalleryCacheOptions,
  ) {}

  /** The collection's gallery, loaded on its first use; a first load that fails is tried again next time. */
  of(collection: string | undefined): Promise<GalleryCache> {
    if (collection === undefined || collection === DEFAULT_COLLECTION) return Promise.resolve(this.defaultGallery);
    let gallery = this.others.get(collection);
    if (gallery === undefined) {
      gallery = this.open(collection);
      this.others.set(collection, gallery);
      gallery.catch(() => this.others.delete(collection));
    }
    return gallery;
  }

  /** Collections with a gallery loaded in this process, the default one included. */
  get loaded(): number {
    return 1 + this.others.size;
  }

  stop(): void {
    this.stopped = true;
    this.defaultGallery.stop();
    for (const gallery of this.others.values()) void gallery.then((cache) => cache.stop(), () => undefined);
  }

  private async open(collection: string): Promise<GalleryCache> {
    const view = prefixedObjectStore(this.store, collectionGalleryPrefix(collection));
    const gallery = new GalleryCache(view, this.bucket, this.options);
    await gallery.refreshIfChanged();
    if (!this.stopped) gallery.start();
    return gallery;
  }
}
