/**
 * Enrollment: subjects, their example photos, and the descriptors computed from each photo and
 * from degraded copies of it. Writes the gallery layout described in gallery-layout.ts.
 */
import { InvalidInputError, NotFoundError, UnsupportedMediaError } from '../domain/errors.js';
import { safeFileName, validateSubjectName } from '../domain/naming.js';
import { countSubjects, firstSubjectPhoto } from './subject-photos.js';
import { MAX_PHOTOS_PER_ENROLLMENT } from '../domain/upload-limits.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { EmbeddedFace, FaceEmbedder } from './embedder.js';
import {
  DEFAULT_ENROLLMENT_FLOOR,
  PhotoRefusedError,
  chooseEnrollmentFace,
  refusedEnrollment,
  type EnrolledPhoto,
  type EnrollmentFloor,
  type PhotoReport,
} from './enrollment-faces.js';
import { descriptorsKey, listDescribedSubjects, listStoredPhotos, modelMismatch, parseDescriptors } from './gallery-layout.js';
import { photoKey, readManifest, serializeDescriptors, subjectPhotosPrefix, type StoredExample, type SubjectDescriptors } from './gallery-layout.js';
import { GalleryWriter, type GalleryWriterOptions } from './gallery-writer.js';
import { currentModelIdentity, type ModelIdentity } from './model-identity.js';
import { DEFAULT_VARIANTS, findExpectedFace, renderVariants, type VariantSpec } from './variants.js';

export interface EnrollmentPhoto {
  readonly fileName: string;
  readonly bytes: Buffer;
}

export interface EnrollmentResult {
  readonly subject: string;
  /** Descriptors the subject has now, all photos included. */
  readonly examples: number;
  readonly photos: readonly EnrolledPhoto[];
}

export interface SubjectSummary {
  readonly name: string;
  readonly photos: number;
  readonly descriptors: number;
}

interface PreparedPhoto {
  readonly enrolled: EnrolledPhoto;
  readonly bytes: Buffer;
  readonly examples: StoredExample[];
}

export class GalleryAdmin {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly writer: GalleryWriter;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly embedder: FaceEmbedder,
    private readonly variants: readonly VariantSpec[] = DEFAULT_VARIANTS,
    /** The model `embedder` runs: recorded with every descriptor, and galleries of another are refused. */
    private readonly model: ModelIdentity = currentModelIdentity(),
    private readonly floor: EnrollmentFloor = DEFAULT_ENROLLMENT_FLOOR,
    writerOptions: GalleryWriterOptions = {},
  ) {
    this.writer = new GalleryWriter(store, bucket, model, writerOptions);
  }

  /**
   * Enrolls `photos` as examples of subject `name` (created when new). All or nothing: a photo that is
   * not an image (UnsupportedMediaError) names its file; photos without a usable face (none, or one below
   * the floor) give one InvalidInputError whose details list what happened to every photo; nothing is
   * stored. A photo with the same (sanitized) file name as an existing one replaces it.
   */
  async addExamples(name: string, photos: readonly EnrollmentPhoto[]): Promise<EnrollmentResult> {
    const subject = validateSubjectName(name);
    const keys = this.photoKeys(subject, photos);
    await this.refuseForeignGallery(); // before spending ~0.3 s per photo; checked again when storing
    const prepared: PreparedPhoto[] = [];
    const reports: PhotoReport[] = [];
    for (const [index, photo] of photos.entries()) {
      try {
        const ready = await this.preparePhoto(photo, keys[index] as string);
        prepared.push(ready);
        reports.push({ fileName: photo.fileName, status: 'accepted', faces: ready.enrolled.faces });
      } catch (error) {
        if (!(error instanceof PhotoRefusedError)) throw error;
        reports.push(error.report);
      }
    }
    if (prepared.length < photos.length) throw refusedEnrollment(subject, reports);
    return this.serialized(() => this.storePrepared(subject, prepared));
  }

  async listSubjects(): Promise<SubjectSummary[]> {
    await this.store.ensureBucket(this.bucket);
    const summaries: SubjectSummary[] = [];
    for (const subject of await listDescribedSubjects(this.store, this.bucket)) {
      const descriptors = await this.readDescriptors(subject);
      if (descriptors === undefined) continue; // removed meanwhile
      const photos = new Set(descriptors.examples.map((e) => e.photo)).size;
      summaries.push({ name: subject, photos, descriptors: descriptors.examples.length });
    }
    return summaries;
  }

  countSubjects(): Promise<number> {
    return countSubjects(this.store, this.bucket);
  }

  subjectPhoto(name: string): Promise<Buffer> {
    return firstSubjectPhoto(this.store, this.bucket, name);
  }

  /** Deletes the subject's photos and descriptors. Throws NotFoundError for an unknown subject. */
  async removeSubject(name: string): Promise<{ subject: string; removedPhotos: number }> {
    const subject = validateSubjectName(name);
    return this.serialized(async () => {
      await this.store.ensureBucket(this.bucket);
      const photos = await this.store.list(this.bucket, subjectPhotosPrefix(subject));
      const descriptors = await this.store.head(this.bucket, descriptorsKey(subject));
      if (descriptors === undefined && photos.length === 0) throw new NotFoundError(`no subject named "${subject}"`);
      await this.store.delete(this.bucket, descriptorsKey(subject));
      for (const photo of photos) await this.store.delete(this.bucket, photo.key);
      await this.writer.recordRemoval(subject);
      return { subject, removedPhotos: photos.length };
    });
  }

  private photoKeys(subject: string, photos: readonly EnrollmentPhoto[]): string[] {
    if (photos.length === 0) throw new InvalidInputError('at least one photo is needed');
    if (photos.length > MAX_PHOTOS_PER_ENROLLMENT) {
      throw new InvalidInputError(`at most ${MAX_PHOTOS_PER_ENROLLMENT} photos at once`);
    }
    const used = new Set<string>();
    return photos.map((photo) => {
      const safe = safeFileName(photo.fileName, 'photo');
      let candidate = safe;
      for (let n = 2; used.has(candidate); n += 1) candidate = withSuffix(safe, n);
      used.add(candidate);
      return photoKey(subject, candidate);
    });
  }

  private async preparePhoto(photo: EnrollmentPhoto, key: string): Promise<PreparedPhoto> {
    const embedding = await this.embedNamed(photo);
    const choice = chooseEnrollmentFace(embedding.faces, this.floor);
    if (!choice.ok) {
      throw new PhotoRefusedError({ fileName: photo.fileName, status: 'refused', faces: embedding.faces.length, reason: choice.reason });
    }
    const { face, note } = choice;
    const examples: StoredExample[] = [{ photo: key, variant: 'original', descriptor: face.descriptor }];
    const copies = await renderVariants(photo.bytes, face.box, embedding, this.variants);
    // All at once: a threaded embedder spreads them over its threads (every core); results keep their order.
    const embeddings = await Promise.all(copies.map((copy) => this.embedder.embed(copy.bytes)));
    for (const [index, copy] of copies.entries()) {
      const found: EmbeddedFace | undefined = findExpectedFace(embeddings[index]!.faces, copy);
      if (found) examples.push({ photo: key, variant: copy.spec.name, descriptor: found.descriptor });
    }
    const enrolled: EnrolledPhoto = {
      fileName: photo.fileName,
      key,
      faces: embedding.faces.length,
      face: { ...face.box, score: Math.round(face.score * 1000) / 1000 },
      ...(note === undefined ? {} : { note }),
      examples: examples.length,
    };
    return { enrolled, bytes: photo.bytes, examples };
  }

  private async embedNamed(photo: EnrollmentPhoto) {
    try {
      return await this.embedder.embed(photo.bytes);
    } catch (error) {
      if (error instanceof UnsupportedMediaError) {
        throw new UnsupportedMediaError(`${photo.fileName}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private async storePrepared(subject: string, prepared: readonly PreparedPhoto[]): Promise<EnrollmentResult> {
    await this.store.ensureBucket(this.bucket);
    await this.refuseForeignGallery();
    const replaced = new Set(prepared.map((p) => p.enrolled.key));
    const existing = (await this.readDescriptors(subject))?.examples ?? [];
    const examples = [...existing.filter((e) => !replaced.has(e.photo)), ...prepared.flatMap((p) => p.examples)];
    for (const photo of prepared) await this.store.put(this.bucket, photo.enrolled.key, photo.bytes);
    const file: SubjectDescriptors = { subject, examples };
    await this.store.put(this.bucket, descriptorsKey(subject), serializeDescriptors(file, this.model), {
      contentType: 'application/json',
    });
    const change = { op: 'enroll', subject, descriptors: examples.map((e) => e.descriptor) } as const;
    await this.writer.record(change, `add ${prepared.length} photo(s) to ${subject}`);
    return { subject, examples: examples.length, photos: prepared.map((p) => p.enrolled) };
  }

  private async readDescriptors(subject: string): Promise<SubjectDescriptors | undefined> {
    const key = descriptorsKey(subject);
    try {
      return parseDescriptors(await this.store.get(this.bucket, key), key);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** One change at a time per admin, so read-modify-write of a descriptors file never interleaves. */
  private serialized<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Descriptors of two models must not be mixed: a gallery holding another model's (or unknown ones) is refused. */
  private async refuseForeignGallery(): Promise<void> {
    if ((await listDescribedSubjects(this.store, this.bucket)).length === 0) return; // an empty gallery fits any model
    const recorded = (await readManifest(this.store, this.bucket))?.model;
    const advice = 'Reindex it first: scaleface gallery reindex';
    const refusal = modelMismatch({ bucket: this.bucket, recorded, running: this.model, runner: 'process', advice });
    if (refusal !== undefined) throw refusal;
  }

  /**
   * Recomputes every subject's descriptors from its stored photos with this admin's embedder and records this
   * admin's model: what makes a gallery of another model (or of an older enrollment pipeline) usable again.
   * Workers keep the gallery they have until the manifest is bumped at the end. A photo that shows no face
   * anymore (or no longer decodes) is reported in `skipped`, not fatal; a subject without stored photos keeps
   * its descriptors file (workers of another model skip it) and is reported too.
   */
  async reindex(onSubject?: (report: SubjectReindex) => void): Promise<ReindexSummary> {
    return this.serialized(async () => {
      await this.store.ensureBucket(this.bucket);
      const summary = { subjects: 0, photos: 0, examples: 0, skipped: [] as SkippedPhoto[] };
      for (const [subject, keys] of await listStoredPhotos(this.store, this.bucket)) {
        const report = await this.reindexSubject(subject, keys);
        summary.subjects += 1;
        summary.photos += report.photos;
        summary.examples += report.examples;
        summary.skipped.push(...report.skipped);
        onSubject?.(report);
      }
      await this.writer.rebuild(`reindex ${summary.subjects} subject(s)`);
      return summary;
    });
  }

  private async reindexSubject(subject: string, keys: readonly string[]): Promise<SubjectReindex> {
    if (keys.length === 0) {
      const reason = 'no stored photos to recompute from: its descriptors were left as they were';
      return { subject, photos: 0, examples: 0, skipped: [{ subject, photo: subjectPhotosPrefix(subject), reason }] };
    }
    const examples: StoredExample[] = [];
    const skipped: SkippedPhoto[] = [];
    for (const key of keys) {
      const fileName = key.slice(subjectPhotosPrefix(subject).length);
      const photo = { fileName, bytes: await this.store.get(this.bucket, key) };
      try {
        examples.push(...(await this.preparePhoto(photo, key)).examples);
      } catch (error) {
        if (!(error instanceof InvalidInputError || error instanceof UnsupportedMediaError)) throw error;
        skipped.push({ subject, photo: key, reason: error.message });
      }
    }
    const body = serializeDescriptors({ subject, examples }, this.model);
    await this.store.put(this.bucket, descriptorsKey(subject), body, { contentType: 'application/json' });
    return { subject, photos: keys.length, examples: examples.length, skipped };
  }
}

function withSuffix(fileName: string, n: number): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? `${fileName.slice(0, dot)}-${n}${fileName.slice(dot)}` : `${fileName}-${n}`;
}

/** A stored photo that `reindex` could not recompute, and why. */
export interface SkippedPhoto {
  readonly subject: string;
  readonly photo: string;
  readonly reason: string;
}

export interface SubjectReindex {
  readonly subject: string;
  /** Stored photos read (skipped ones included). */
  readonly photos: number;
  /** Descriptors the subject has now. */
  readonly examples: number;
  readonly skipped: readonly SkippedPhoto[];
}

export interface ReindexSummary {
  readonly subjects: number;
  readonly photos: number;
  readonly examples: number;
  readonly skipped: readonly SkippedPhoto[];
}
