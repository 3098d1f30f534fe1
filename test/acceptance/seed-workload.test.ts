import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startSystem } from '../../src/system/up.js';
import { findSeedData } from '../helpers/seed-data.js';
import { checkSeedWorkload } from '../helpers/seed-workload.js';

const seed = findSeedData();
if ('missing' in seed) console.log(`# ${seed.missing}`);

test(
  'embedded backends, the course workload: 100-subject gallery, 1000 images at concurrency 100, from 0 workers → 1000 correct',
  { skip: 'missing' in seed ? seed.missing : false, timeout: 15 * 60_000 },
  async () => {
    if ('missing' in seed) return;
    const dataDir = await mkdtemp(join(tmpdir(), 'scaleface-acceptance-'));
    const system = await startSystem(loadConfig({ dataDir, logLevel: 'silent', web: { port: 0 } }, {}));
    try {
      await checkSeedWorkload(system, seed.dir, 'embedded seed workload');
    } finally {
      await system.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
