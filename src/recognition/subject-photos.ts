/**
 * What the page shows of a subject besides its counts: how many subjects there are (listing keys only, no
 * descriptors read) and one of its photos, for a thumbnail.
 */
import { NotFoundError } from '../domain/errors.js';
import { validateSubjectName } from '../domain/naming.js';
import type { ObjectStore } from '../ports/object-store.js';
import { listDescribedSubjects, subjectPhotosPrefix } from './gallery-layout.js';

export async function countSubjects(store: ObjectStore, bucket: string): Promise<number> {
  return (await listDescribedSubjects(store, bucket)).length;
}

/** The first of the subject's stored photos (by key); NotFoundError when it has none. */
export async function firstSubjectPhoto(store: ObjectStore, bucket: string, name: string): Promise<Buffer> {
  const subject = validateSubjectName(name);
  let photos: readonly { readonly key: string }[];
  try {
    photos = await store.list(bucket, subjectPhotosPrefix(subject));
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`no subject named "${subject}"`, { cause: error });
    throw error;
  }
  const first = [...photos].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))[0];
  if (first === undefined) throw new NotFoundError(`no photo of a subject named "${subject}"`);
  return store.get(bucket, first.key);
}
