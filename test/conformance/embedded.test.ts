/**
 * Runs the queue, object-store and compute conformance suites against the embedded backends: SQLite, local
 * folders, and local worker processes (real children running reporting-worker.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalProcessPool } from '../../src/adapters/compute/local-process-pool.js';
import { createQueueSystem, EmbeddedQueueSystem } from '../../src/adapters/queue/index.js';
import { availableSqliteDrivers, preferredSqliteDriver } from '../../src/adapters/queue/sqlite-driver.js';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { prefixedObjectStore } from '../../src/ports/object-store-view.js';
import { runComputeConformance } from './compute-suite.js';
import { runObjectStoreConformance } from './object-store-suite.js';
import { runQueueConformance } from './queue-suite.js';

/** A temp data folder, made on first use, shared by every system a harness makes. */
function tempDataDir(label: string): { get(): Promise<string>; remove(): Promise<void> } {
  let dir: Promise<string> | undefined;
  return {
    get: () => (dir ??= mkdtemp(join(tmpdir(), `scaleface-${label}-`))),
    remove: async () => {
      if (dir) await rm(await dir, { recursive: true, force: true });
    },
  };
}

const queueData = tempDataDir('queue-conformance');
let queueDir = '';
const queueConfig = (): ConfigInput => ({ dataDir: queueDir, queue: { backend: 'embedded' } });

runQueueConformance(`embedded SQLite on ${preferredSqliteDriver()}`, {
  async makeSystem() {
    queueDir = await queueData.get();
    return createQueueSystem(loadConfig(queueConfig(), {}));
  },
  childConfig: queueConfig,
  durable: true,
  cleanup: () => queueData.remove(),
});

// The other SQLite driver too where this Node has both (Node 22: node:sqlite and better-sqlite3); the suite's
// child processes open the same file with the preferred one, as processes of two Node versions would.
for (const driver of availableSqliteDrivers().filter((name) => name !== preferredSqliteDriver())) {
  const data = tempDataDir(`queue-conformance-${driver.replace(':', '-')}`);
  let dir = '';
  runQueueConformance(`embedded SQLite on ${driver}`, {
    async makeSystem() {
      dir = await data.get();
      return new EmbeddedQueueSystem(join(dir, 'queue.db'), { driver });
    },
    childConfig: () => ({ dataDir: dir, queue: { backend: 'embedded' } }),
    durable: true,
    cleanup: () => data.remove(),
  });
}

const storeData = tempDataDir('store-conformance');

runObjectStoreConformance('local folders', {
  async makeStore() {
    const dataDir = await storeData.get();
    return createObjectStore(loadConfig({ dataDir, storage: { backend: 'local' } }, {}));
  },
  rejectsPathTraversal: true,
  cleanup: () => storeData.remove(),
});

const viewData = tempDataDir('store-view');

// A collection's gallery reads and writes through this view: it must keep every promise of the port.
runObjectStoreConformance('a key-prefix view of local folders', {
  async makeStore() {
    const dataDir = await viewData.get();
    return prefixedObjectStore(await createObjectStore(loadConfig({ dataDir, storage: { backend: 'local' } }, {})), 'collections/conformance/');
  },
  rejectsPathTraversal: true,
  cleanup: () => viewData.remove(),
});

const REPORTING_WORKER = fileURLToPath(new URL('./reporting-worker.js', import.meta.url));

runComputeConformance('local processes', {
  async makeWorld(plan) {
    const pool = new LocalProcessPool({ command: process.execPath, args: (name) => [REPORTING_WORKER, name, JSON.stringify(plan(name))], stopTimeoutMs: 5000 });
    return { pool, dispose: () => pool.close() };
  },
  closeStopsInstances: true,
});
