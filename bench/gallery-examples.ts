/** Every enrolled example of a gallery bucket, with its subject: what the accuracy benches rank probes against. */
import type { ObjectStore } from '../src/ports/object-store.js';
import { parseDescriptors } from '../src/recognition/gallery-layout.js';
import type { Example } from './recognition-analysis.js';

export async function readExamples(store: ObjectStore, bucket: string): Promise<Example[]> {
  const examples: Example[] = [];
  for (const info of await store.list(bucket, 'descriptors/')) {
    const file = parseDescriptors(await store.get(bucket, info.key), info.key);
    for (const e of file.examples) examples.push({ subject: file.subject, ...e });
  }
  return examples;
}
