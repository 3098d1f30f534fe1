import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigInvalidError, InvalidInputError, NotFoundError, ScalefaceError } from '../../domain/errors.js';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../ports/object-store.js';
import { awsErrorCode, awsHttpStatus, fromAwsError } from '../aws/aws-errors.js';
import { checkObjectKey } from './local-folder.js';

export interface S3ObjectStoreOptions {
  readonly region: string;
  /** An S3-compatible endpoint (an emulator); unset means AWS itself. */
  readonly endpoint?: string;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key` (needed by most emulators). */
  readonly forcePathStyle: boolean;
  /** A ready client (tests); the store never destroys a client it was given. */
  readonly client?: S3Client;
}

/** Bodies above this size go up as a multipart upload in parts of this size. */
export const MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024;
const MULTIPART_CONCURRENCY = 4;
/** S3's rule for bucket names (the subset without dots that works with virtual-hosted URLs and TLS). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const MISSING_CODES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

function checkBucket(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) throw new InvalidInputError(`bucket name "${bucket}" is not a valid S3 bucket name`);
}

function isMissing(error: unknown): boolean {
  return MISSING_CODES.has(awsErrorCode(error)) || awsHttpStatus(error) === 404;
}

function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function mapError(error: unknown, what: string): ScalefaceError {
  if (isMissing(error)) return new NotFoundError(`${what}: does not exist`, { cause: error });
  return fromAwsError(error, what);
}

/**
 * Amazon S3 behind the ObjectStore port. Keys follow the same rules as the local folder store, so a key
 * that works on one backend works on the other. Credentials come from the SDK's default provider chain.
 */
export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  private readonly region: string;

  constructor(options: S3ObjectStoreOptions) {
    this.region = options.region;
    this.client =
      options.client ??
      new S3Client({ region: options.region, endpoint: options.endpoint, forcePathStyle: options.forcePathStyle });
  }

  async ensureBucket(bucket: string): Promise<void> {
    checkBucket(bucket);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (!isMissing(error)) throw fromAwsError(error, `checking bucket ${bucket}`);
    }
    await this.createBucket(bucket);
  }

  private async createBucket(bucket: string): Promise<void> {
    // New buckets are private with Block Public Access and SSE-S3 encryption by default.
    const configuration =
      this.region === 'us-east-1'
        ? undefined
        : { LocationConstraint: this.region as BucketLocationConstraint };
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: configuration }));
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === 'BucketAlreadyOwnedByYou') return;
      if (code === 'BucketAlreadyExists') {
        throw new ConfigInvalidError(`bucket ${bucket} belongs to another AWS account; choose another prefix`, {
          cause: error,
        });
      }
      throw fromAwsError(error, `creating bucket ${bucket}`);
    }
  }

  async put(bucket: string, key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    checkBucket(bucket);
    checkObjectKey(key);
    const params = { Bucket: bucket, Key: key, Body: body, ContentType: options.contentType };
    try {
      if (body.length > MULTIPART_THRESHOLD_BYTES) {
        const upload = new Upload({
          client: this.client,
          params,
          partSize: MULTIPART_THRESHOLD_BYTES,
          queueSize: MULTIPART_CONCURRENCY,
          leavePartsOnError: false,
        });
        await upload.done();
      } else {
        await this.client.send(new PutObjectCommand({ ...params, ContentLength: body.length }));
      }
    } catch (error) {
      throw mapError(error, `writing ${bucket}/${key}`);
    }
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    checkBucket(bucket);
    checkObjectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.Body === undefined) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      throw mapError(error, `object ${bucket}/${key}`);
    }
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    checkBucket(bucket);
    checkObjectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        modifiedAt: out.LastModified?.getTime() ?? 0,
        etag: stripQuotes(out.ETag),
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fromAwsError(error, `reading metadata of ${bucket}/${key}`);
    }
  }

  async list(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    checkBucket(bucket);
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }),
        );
        for (const item of out.Contents ?? []) {
          if (item.Key === undefined) continue;
          found.push({
            key: item.Key,
            size: item.Size ?? 0,
            modifiedAt: item.LastModified?.getTime() ?? 0,
            etag: stripQuotes(item.ETag),
          });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw mapError(error, `listing bucket ${bucket}`);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(bucket: string, key: string): Promise<void> {
    checkBucket(bucket);
    checkObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      // Deleting what is not there is a no-op, as in the local store.
      if (!isMissing(error)) throw fromAwsError(error, `deleting ${bucket}/${key}`);
    }
  }
}
