/**
 * The real faces of the gallery bench: the seed gallery (98 subjects, 100 photos) enrolled through GalleryAdmin
 * with the real model and its degraded copies, and probes of real faces: the course's 10 distinct images and 8
 * degradations of each (people in the gallery), and every seed photo's original descriptor as a stranger (its own
 * subject hidden while it is matched: a leave-one-out impostor).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import { GalleryAdmin, createFaceEmbedder } from '../../src/recognition/index.js';
import { readExamples } from '../gallery-examples.js';
import { courseProbes, degradedCourseProbes } from '../accuracy/probes.js';

export interface RealSubject {
  readonly name: string;
  readonly descriptors: readonly Float32Array[];
}

export interface RealProbe {
  readonly descriptor: Float32Array;
  /** The subject this face is; `hide` it to make the probe a stranger. */
  readonly subject: string;
}

export interface RealFaces {
  readonly subjects: readonly RealSubject[];
  /** Faces of people in the gallery (expected: their subject). */
  readonly known: readonly RealProbe[];
  /** Faces whose subject is hidden while they are matched (expected: Unknown). */
  readonly strangers: readonly RealProbe[];
  /** Enrollment through GalleryAdmin with the real model (embedding every degraded copy on this thread). */
  readonly enrollPhotosPerSecond: number;
}

export async function loadRealFaces(seedDir: string, log: (line: string) => void): Promise<RealFaces> {
  const root = await mkdtemp(join(tmpdir(), 'sf-gallery-bench-'));
  try {
    const store = new LocalFolderStore(root);
    const embedder = await createFaceEmbedder();
    const admin = new GalleryAdmin(store, 'gallery', embedder);
    const galleryDir = join(seedDir, 'gallery');
    let photos = 0;
    const started = performance.now();
    for (const subject of (await readdir(galleryDir)).sort()) {
      const files = (await readdir(join(galleryDir, subject))).sort();
      const bytes = await Promise.all(files.map(async (fileName) => ({ fileName, bytes: await readFile(join(galleryDir, subject, fileName)) })));
      await admin.addExamples(subject, bytes).then(() => (photos += files.length), (error: Error) => log(`seed ${subject}: ${error.message}`));
    }
    const enrollPhotosPerSecond = photos / ((performance.now() - started) / 1000);
    const examples = await readExamples(store, 'gallery');
    const bySubject = new Map<string, Float32Array[]>();
    for (const e of examples) bySubject.set(e.subject, [...(bySubject.get(e.subject) ?? []), e.descriptor]);
    const subjects = [...bySubject].map(([name, descriptors]) => ({ name, descriptors }));
    const known = [...(await courseProbes(seedDir, embedder)), ...(await degradedCourseProbes(seedDir, embedder))]
      .filter((p) => p.descriptor !== undefined && p.expected !== undefined && bySubject.has(p.expected))
      .map((p) => ({ descriptor: Float32Array.from(p.descriptor!), subject: p.expected! }));
    const strangers = examples.filter((e) => e.variant === 'original').map((e) => ({ descriptor: e.descriptor, subject: e.subject }));
    return { subjects, known, strangers, enrollPhotosPerSecond };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
