import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { LocalFolderStore } from './local-folder.js';
import { S3ObjectStore } from './s3-store.js';

export { LocalFolderStore } from './local-folder.js';
export { S3ObjectStore, MULTIPART_THRESHOLD_BYTES, type S3ObjectStoreOptions } from './s3-store.js';

/** The object store the configuration names: folders under `<dataDir>/buckets` for 'local', Amazon S3 for 's3'. */
export function createObjectStore(config: Config): ObjectStore {
  switch (config.storage.backend) {
    case 'local':
      return new LocalFolderStore(join(config.dataDir, 'buckets'));
    case 's3':
      return new S3ObjectStore({
        region: config.storage.s3.region,
        endpoint: config.storage.s3.endpoint,
        forcePathStyle: config.storage.s3.forcePathStyle,
      });
  }
}
