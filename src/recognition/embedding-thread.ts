/**
 * Entry of the embedding thread started by ThreadedFaceEmbedder (threaded-embedder.ts): loads the face
 * model on its first request (and again after a failed load) and answers every EmbedRequest with an
 * EmbedReply. Requests are handled one after another, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_DETECTOR, lazyFaceEmbedder, type DetectorSettings } from './embedder.js';
import type { RuntimeChoice } from './face-runtime.js';
import {
  serializeError,
  transferableEmbedding,
  type EmbedReply,
  type EmbedRequest,
} from './embedding-thread-protocol.js';

export interface EmbeddingThreadData {
  readonly settings?: DetectorSettings;
  readonly runtime?: RuntimeChoice;
}

function serve(port: NonNullable<typeof parentPort>, runtime: RuntimeChoice, settings: DetectorSettings): void {
  const embedder = lazyFaceEmbedder(runtime, settings);
  let queue: Promise<void> = Promise.resolve();
  const answer = async ({ id, image }: EmbedRequest): Promise<void> => {
    try {
      const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
      const { embedding, buffers } = transferableEmbedding(await embedder.embed(bytes));
      port.postMessage({ id, ok: true, embedding } satisfies EmbedReply, buffers);
    } catch (error) {
      port.postMessage({ id, ok: false, error: serializeError(error) } satisfies EmbedReply);
    }
  };
  port.on('message', (request: EmbedRequest) => {
    queue = queue.then(() => answer(request));
  });
}

if (parentPort !== null) {
  const data = (workerData ?? {}) as EmbeddingThreadData;
  serve(parentPort, data.runtime ?? {}, data.settings ?? DEFAULT_DETECTOR);
}
