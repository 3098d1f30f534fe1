/**
 * The gallery as a running worker sees it: every subject's descriptors, held in memory and brought up to
 * date whenever manifest.json changes (its etag checked every `refreshMs`), so enrollment changes reach
 * running workers within seconds, without a restart. A gallery with a snapshot (gallery-layout.ts) is read as
 * that one object plus the log records after it; a later change reads only the records it added. A gallery
 * written before snapshots is read from its descriptors files, one per subject, until its first change.
 *
 * A gallery enrolled with another model than the running one (or with an unknown one: legacy) is refused
 * with GalleryModelMismatchError, because its distances would mean nothing: at start that stops the worker;
 * on a background refresh it is reported once and the gallery loaded before stays in use.
 */
import {
  GalleryModelMismatchError,
  NotFoundError,
  asScalefaceError,
  type ScalefaceError,
} from '../domain/errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { MANIFEST_KEY, descriptorsKey, listDescribedSubjects, modelMismatch, parseDescriptors, readManifest } from './gallery-layout.js';
import type { GalleryHead, GalleryManifest } from './gallery-layout.js';
import { GalleryState } from './gallery-state.js';
import { applyLog, readGalleryState } from './gallery-store.js';
import { compactOf } from './compact-gallery.js';
import type { GalleryIndex, SubjectExamples } from './matcher.js';
import { describeModel, sameModel, type ModelIdentity } from './model-identity.js';

export interface GalleryCacheOptions {
  /** How often the manifest is checked once `start()` was called. */
  readonly refreshMs: number;
  /** The model this process runs (model-identity.ts currentModelIdentity()); galleries of another are refused. */
  readonly model: ModelIdentity;
  /** Told about background refresh failures and unreadable descriptors files (they are skipped). */
  readonly onError?: (error: ScalefaceError) => void;
  /** Lists of the snapshot's index scanned per probe (default DEFAULT_PROBE_LISTS). */
  readonly probeLists?: number;
}

const NO_MANIFEST = 'none';
const REINDEX_ADVICE = 'Re-enroll it: scaleface gallery reindex';
/** Loads started over when a compaction removed the snapshot being read. */
const LOAD_ATTEMPTS = 3;

export class GalleryCache {
  private current = new GalleryState();
  /** The snapshot and log records `current` holds; undefined for a gallery read from descriptors files. */
  private loadedHead: GalleryHead | undefined;
  private loadedToken: string | undefined;
  private loadedIdentity: ModelIdentity | undefined;
  /** The manifest etag last refused and why: the same gallery is not read again, nor reported again. */
  private refused: { readonly token: string; readonly error: GalleryModelMismatchError } | undefined;
  private lastReported: unknown;
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
    return this.current.subjects();
  }

  /** The gallery last loaded, to match against. */
  get state(): GalleryState {
    return this.current;
  }

  /** Etag of the manifest the gallery was loaded at (`none` without a manifest); undefined before loading. */
  get loadedVersion(): string | undefined {
    return this.loadedToken;
  }

  /**
   * The model the loaded gallery records (its enrollment pipeline may be older than ours: still comparable);
   * undefined before loading and for a gallery that records none (then it is empty).
   */
  get loadedModel(): ModelIdentity | undefined {
    return this.loadedIdentity;
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
        .catch((error: unknown) => this.report(error))
        .finally(() => this.schedule());
    }, this.options.refreshMs);
    this.timer.unref();
  }

  /** A refusal that persists is reported once, not at every tick. */
  private report(error: unknown): void {
    if (error === this.lastReported) return;
    this.lastReported = error;
    this.options.onError?.(asScalefaceError(error));
  }

  private async refresh(): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.refreshOnce();
      } catch (error) {
        // A compaction removed what the manifest named while we read it: the manifest names its successor.
        if (!(error instanceof NotFoundError) || attempt >= LOAD_ATTEMPTS) throw error;
        this.loadedHead = undefined;
      }
    }
  }

  private async refreshOnce(): Promise<boolean> {
    // Read the manifest's etag BEFORE the gallery: a change made meanwhile bumps it again afterwards.
    const info = await this.store.head(this.bucket, MANIFEST_KEY);
    const token = info?.etag ?? NO_MANIFEST;
    if (token === this.loadedToken) return false;
    if (token === this.refused?.token) throw this.refused.error;
    try {
      await this.load(info === undefined ? undefined : await readManifest(this.store, this.bucket));
    } catch (error) {
      if (error instanceof GalleryModelMismatchError) this.refused = { token, error };
      throw error;
    }
    this.loadedToken = token;
    return true;
  }

  /** Checks the recorded model before reading any descriptor; a gallery without descriptors fits any model. */
  private async load(manifest: GalleryManifest | undefined): Promise<void> {
    const head = manifest?.head;
    const keys = head === undefined ? (await listDescribedSubjects(this.store, this.bucket)).map(descriptorsKey) : [];
    const running = this.options.model;
    const recorded = manifest?.model;
    if (head !== undefined || keys.length > 0) {
      const refusal = modelMismatch({ bucket: this.bucket, recorded, running, runner: 'worker', advice: REINDEX_ADVICE });
      if (refusal !== undefined) throw refusal;
    }
    this.current = head === undefined ? new GalleryState(compactOf(await this.readAll(keys)), this.options.probeLists) : await this.loadHead(head);
    this.loadedHead = head;
    this.loadedIdentity = recorded;
  }

  /** Only the records added since the loaded head when it is the same snapshot, else the whole snapshot. */
  private async loadHead(head: GalleryHead): Promise<GalleryState> {
    const loaded = this.loadedHead;
    const readOptions = { model: this.options.model, probeLists: this.options.probeLists, onSkipped: (e: Error) => this.options.onError?.(asScalefaceError(e)) };
    if (loaded === undefined || loaded.snapshot !== head.snapshot || loaded.log > head.log) {
      return readGalleryState(this.store, this.bucket, head, readOptions);
    }
    this.loadedHead = undefined; // until every new record is applied: a failure midway reloads in full next time
    await applyLog(this.store, this.bucket, this.current, { snapshot: head.snapshot, from: loaded.log + 1, to: head.log }, readOptions);
    return this.current;
  }

  private async readAll(keys: readonly string[]): Promise<GalleryIndex> {
    const subjects: SubjectExamples[] = [];
    for (const key of keys) {
      const subject = await this.readSubject(key);
      if (subject !== undefined) subjects.push(subject);
    }
    return subjects;
  }

  private async readSubject(key: string): Promise<SubjectExamples | undefined> {
    try {
      const parsed = parseDescriptors(await this.store.get(this.bucket, key), key);
      if (parsed.model === undefined || !sameModel(parsed.model, this.options.model)) {
        // One stray file (a reindex under way, a legacy leftover) must not mix foreign distances in.
        const by = parsed.model === undefined ? 'an unknown model' : describeModel(parsed.model);
        throw new GalleryModelMismatchError(`${key} was computed by ${by}, not by this worker's model: skipped`);
      }
      // Float32Arrays like the probes': one element kind keeps the matcher's inner loop monomorphic.
      return { name: parsed.subject, descriptors: parsed.examples.map((e) => Float32Array.from(e.descriptor)) };
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.options.onError?.(asScalefaceError(error)); // removed meanwhile: no news
      return undefined;
    }
  }
}
