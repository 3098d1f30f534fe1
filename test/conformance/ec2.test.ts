/**
 * The compute conformance suite on the EC2 adapter: Ec2InstancePool against a mocked EC2 API that keeps its
 * instances' states (ec2-world.ts), and Ec2HeartbeatReporter workers whose heartbeats go to a real object store:
 * local folders, and S3 on fauxqs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderStore } from '../../src/adapters/storage/local-folder.js';
import { createObjectStore } from '../../src/adapters/storage/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { startFauxqs, useDummyAwsCredentials, type Fauxqs } from '../helpers/fauxqs.js';
import { runComputeConformance } from './compute-suite.js';
import { ec2World } from './ec2-world.js';

useDummyAwsCredentials();

let dir: string | undefined;
let folders: Promise<ObjectStore> | undefined;

runComputeConformance('EC2 (mocked API), heartbeats in local folders', {
  async makeWorld(plan) {
    folders ??= mkdtemp(join(tmpdir(), 'scaleface-compute-ec2-')).then((made) => {
      dir = made;
      return new LocalFolderStore(made);
    });
    return ec2World(await folders, plan);
  },
  closeStopsInstances: false,
  cleanup: async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  },
});

let emulator: Promise<Fauxqs> | undefined;
let s3: Promise<ObjectStore> | undefined;

runComputeConformance('EC2 (mocked API), heartbeats in S3 on fauxqs', {
  async makeWorld(plan) {
    s3 ??= (emulator = startFauxqs()).then(({ endpoint, region }) =>
      createObjectStore(loadConfig({ storage: { backend: 's3', s3: { endpoint, region, forcePathStyle: true } } }, {})),
    );
    return ec2World(await s3, plan);
  },
  closeStopsInstances: false,
  cleanup: async () => {
    if (emulator !== undefined) await (await emulator).stop();
  },
});
