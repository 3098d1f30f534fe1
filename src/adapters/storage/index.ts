import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { LocalFolderStore } from './local-folder.js';

export { LocalFolderStore } from './local-folder.js';

/**
 * The object store the configuration names: folders under `<dataDir>/buckets` for 'local', Amazon S3 for
 * 's3'. The S3 adapter is imported only when configured: the AWS SDK takes ~0.15 s to load, a fifth of a
 * local worker's cold start.
 */
export async function createObjectStore(config: Config): Promise<ObjectStore> {
  switch (config.storage.backend) {
    case 'local':
      return new LocalFolderStore(join(config.dataDir, 'buckets'));
    case 's3': {
      const { S3ObjectStore } = await import('./s3-store.js');
      return new S3ObjectStore({
        region: config.storage.s3.region,
        endpoint: config.storage.s3.endpoint,
        forcePathStyle: config.storage.s3.forcePathStyle,
      });
    }
  }
}
