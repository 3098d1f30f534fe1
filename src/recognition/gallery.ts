/**
 * The gallery as a running worker sees it: every subject's descriptors, held in memory and re-read
 * whenever manifest.json changes (checked every `refreshMs`), so enrollment changes reach running
 * workers within seconds, without a restart.
 */
import { NotFoundError, asScalefaceError, type ScalefaceError } from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { DESCRIPTORS_PREFIX, MANIFEST_KEY, parseDescriptors, subjectOfDescriptorsKey } from './gallery-layout.js';
import type { GalleryIndex, SubjectExamples } from './matcher.js';

export interface GalleryCacheOptions {
  /** How often the manifest is checked once `start()` was called. */
  readonly refreshMs: number;
  /** Told about background refresh failures and unreadable descriptors files (they are skipped). */
  readonly onError?: (error: ScalefaceError) => void;
}

const NO_MANIFEST = 'none';

export class GalleryCache {
  private current: GalleryIndex = [];
  private loadedToken: string | undefined;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly options: GalleryCacheOptions,
  ) {}

  /** The subjects and descriptors last loaded. */
  get index(): GalleryIndex {
    return this.current;
  }

  /** Etag of the manifest the gallery was loaded at (`none` without a manifest); undefined before loading. */
  get loadedVersion(): string | undefined {
    return this.loadedToken;
  }

  /** Re-reads every descriptors file when the manifest changed since the last load. Resolves true if it did. */
  refreshIfChanged(): Promise<boolean> {
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Starts checking the manifest every `refreshMs` (the timer does not keep the process alive). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refreshIfChanged()
        .catch((error: unknown) => this.options.onError?.(asScalefaceError(error)))
        .finally(() => this.schedule());
    }, this.options.refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<boolean> {
    // Read the manifest's etag BEFORE the descriptors: a change made meanwhile bumps it again afterwards.
    const manifest = await this.store.head(this.bucket, MANIFEST_KEY);
    const token = manifest?.etag ?? NO_MANIFEST;
    if (token === this.loadedToken) return false;
    this.current = await this.readGallery();
    this.loadedToken = token;
    return true;
  }

  private async readGallery(): Promise<GalleryIndex> {
    try {
      return await this.readAll();
    } catch (error) {
      if (error instanceof NotFoundError) return []; // no bucket yet: nobody enrolled
      throw error;
    }
  }

  private async readAll(): Promise<GalleryIndex> {
    const files = await this.store.list(this.bucket, DESCRIPTORS_PREFIX);
    const subjects: SubjectExamples[] = [];
    for (const file of files) {
      if (subjectOfDescriptorsKey(file.key) === undefined) continue;
      const subject = await this.readSubject(file.key);
      if (subject !== undefined) subjects.push(subject);
    }
    return subjects;
  }

  private async readSubject(key: string): Promise<SubjectExamples | undefined> {
    try {
      const parsed = parseDescriptors(await this.store.get(this.bucket, key), key);
      return { name: parsed.subject, descriptors: parsed.examples.map((e) => e.descriptor) };
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.onError?.(asScalefaceError(error)); // removed meanwhile: no news
      return undefined;
    }
  }
}
