import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { QueueSystem } from '../../ports/queue.js';
import { EmbeddedQueueSystem } from './embedded-queue.js';

export { EmbeddedQueueSystem, type EmbeddedQueueOptions } from './embedded-queue.js';
export { QUEUE_LIMITS } from './limits.js';

/**
 * The queue backend the configuration names: `<dataDir>/queue.db` for 'embedded', Amazon SQS for 'sqs'
 * (imported only then, as the S3 adapter in ../storage/index.ts).
 */
export async function createQueueSystem(config: Config): Promise<QueueSystem> {
  switch (config.queue.backend) {
    case 'embedded':
      return new EmbeddedQueueSystem(join(config.dataDir, 'queue.db'));
    case 'sqs': {
      const { SqsQueueSystem } = await import('./sqs-queue.js');
      return new SqsQueueSystem({ region: config.queue.sqs.region, endpoint: config.queue.sqs.endpoint });
    }
  }
}
