import type { Config } from './schema.js';

/** Names of the queues and buckets, following the seed's convention `<prefix>-req-queue`. */
export interface ResourceNames {
  readonly requestQueue: string;
  readonly deadLetterQueue: string;
  readonly inputBucket: string;
  readonly outputBucket: string;
  readonly galleryBucket: string;
  readonly controlBucket: string;
  replyQueue(webInstanceId: string): string;
}

export function resourceNames(config: Pick<Config, 'prefix'>): ResourceNames {
  const p = config.prefix;
  return {
    requestQueue: `${p}-req-queue`,
    deadLetterQueue: `${p}-req-dlq`,
    inputBucket: `${p}-in-bucket`,
    outputBucket: `${p}-out-bucket`,
    galleryBucket: `${p}-gallery`,
    controlBucket: `${p}-control`,
    replyQueue: (webInstanceId) => `${p}-resp-queue-${webInstanceId}`,
  };
}

/** `scaleface aws check` writes its probe objects under this key prefix, so that nothing a process reads is touched. */
export const ACCESS_CHECK_PREFIX = 'aws-check/';
