import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { QueueSystem } from '../../ports/queue.js';
import { EmbeddedQueueSystem } from './embedded-queue.js';
import { SqsQueueSystem } from './sqs-queue.js';

export { EmbeddedQueueSystem, type EmbeddedQueueOptions } from './embedded-queue.js';
export { QUEUE_LIMITS } from './limits.js';
export { SqsQueueSystem, type SqsQueueSystemOptions } from './sqs-queue.js';

/** The queue backend the configuration names: `<dataDir>/queue.db` for 'embedded', Amazon SQS for 'sqs'. */
export function createQueueSystem(config: Config): QueueSystem {
  switch (config.queue.backend) {
    case 'embedded':
      return new EmbeddedQueueSystem(join(config.dataDir, 'queue.db'));
    case 'sqs':
      return new SqsQueueSystem({ region: config.queue.sqs.region, endpoint: config.queue.sqs.endpoint });
  }
}
