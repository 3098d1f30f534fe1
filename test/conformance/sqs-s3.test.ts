/**
 * The queue and object-store conformance suites (the same ones the embedded backends pass) against
 * SqsQueueSystem and S3ObjectStore talking to fauxqs, an SQS + S3 emulator, over the AWS wire protocols.
 * Child processes of the queue suite reach the same emulator through `createQueueSystem(loadConfig(...))`.
 */
import { createQueueSystem } from '../../src/adapters/queue/index.js';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { prefixedObjectStore } from '../../src/ports/object-store-view.js';
import { runObjectStoreConformance } from './object-store-suite.js';
import { runQueueConformance } from './queue-suite.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';

// The SDK's default credential chain reads them here and in the child processes, which inherit them.
useDummyAwsCredentials();

/** One emulator per suite, started on first use and stopped by the suite's cleanup. */
function emulator(): { get(): Promise<Fauxqs>; current(): Fauxqs; stop(): Promise<void> } {
  let started: Promise<Fauxqs> | undefined;
  let running: Fauxqs | undefined;
  return {
    get: () =>
      (started ??= startFauxqs().then((f) => {
        running = f;
        return f;
      })),
    current: () => {
      if (!running) throw new Error('fauxqs is not running');
      return running;
    },
    stop: async () => {
      if (started) await (await started).stop();
    },
  };
}

const queueEmulator = emulator();
const sqsConfig = (): ConfigInput => {
  const { endpoint, region } = queueEmulator.current();
  return { queue: { backend: 'sqs', sqs: { endpoint, region } } };
};

runQueueConformance('SQS adapter on fauxqs', {
  async makeSystem() {
    await queueEmulator.get();
    return createQueueSystem(loadConfig(sqsConfig(), {}));
  },
  childConfig: sqsConfig,
  // SQS keeps messages when a client closes and another one opens the queue.
  durable: true,
  cleanup: () => queueEmulator.stop(),
});

const storeEmulator = emulator();

runObjectStoreConformance('S3 adapter on fauxqs', {
  async makeStore() {
    const { endpoint, region } = await storeEmulator.get();
    return createObjectStore(loadConfig({ storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {}));
  },
  // S3ObjectStore applies the local store's key rules, so that a key valid on one backend is valid on both.
  rejectsPathTraversal: true,
  cleanup: () => storeEmulator.stop(),
});

const viewEmulator = emulator();

// A collection's gallery reads and writes through this view: it must keep every promise of the port on S3 too.
runObjectStoreConformance('a key-prefix view of the S3 adapter on fauxqs', {
  async makeStore() {
    const { endpoint, region } = await viewEmulator.get();
    const store = await createObjectStore(loadConfig({ storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {}));
    return prefixedObjectStore(store, 'collections/conformance/');
  },
  rejectsPathTraversal: true,
  cleanup: () => viewEmulator.stop(),
});
