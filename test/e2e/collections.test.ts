import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem, type RunningSystem } from '../../src/system/up.js';
import { collectionsAndKeysScenario } from '../helpers/collection-scenarios.js';

const TOKEN = 'admin-token-for-collections';

describe('collections and API keys on the real system, embedded backends (web tier, queue, worker processes)', () => {
  let system: RunningSystem;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scaleface-collections-'));
    const config = loadConfig(
      {
        dataDir,
        logLevel: 'silent',
        web: { port: 0, authToken: TOKEN, requireAuthForUploads: false, accessCacheMs: 1000 },
        queue: { visibilityTimeoutSeconds: 5 },
        autoscaler: { maxInstances: 2, idleWindowMs: 5000, tickMs: 200 },
      },
      {},
    );
    system = await startSystem(config);
  });
  after(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('create collections and keys, enroll and recognize in each, scopes, revocation, POST / unchanged', async () => {
    await collectionsAndKeysScenario(system, TOKEN);
  });
});
