/**
 * `scaleface aws bake`: an AMI made from a running, ready app-tier worker. Its disk holds Node, the CloudWatch
 * agent, the project and its node_modules, so an instance booted from it installs nothing (deploy/user-data.ts
 * skips what is there) and needs no package registry: boots take the instance's start plus the model's load
 * instead of minutes of dnf and npm ci.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { CreateImageCommand, DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { InvalidInputError, NotFoundError, TimeoutError } from '../../domain/errors.js';
import type { Instance } from '../../ports/instance-pool.js';
import { awsErrorCode } from '../aws/aws-errors.js';
import { PREFIX_TAG_KEY, ROLE_TAG_KEY } from './ec2-pool.js';
import { fromEc2Error } from './ec2-retry.js';

/** The role tag of images made by bake (app-tier instances carry `app-tier`). */
export const WORKER_IMAGE_ROLE = 'worker-image';

/**
 * The instance to make the image from: `instanceId` when given (it must be ours, running and ready), else the
 * ready running worker launched first (the longest past its boot).
 */
export function chooseBakeSource(instances: Instance[], instanceId?: string): Instance {
  if (instanceId !== undefined) {
    const named = instances.find((i) => i.id === instanceId);
    if (named === undefined) throw new NotFoundError(`${instanceId} is not an app-tier instance of this deployment`);
    if (named.state !== 'running') throw new InvalidInputError(`${instanceId} (${named.name}) is ${named.state}, not running`);
    if (!named.ready) throw new InvalidInputError(`${instanceId} (${named.name}) is not ready: its boot has not finished; try again once /v1/status shows it ready`);
    return named;
  }
  const ready = instances.filter((i) => i.state === 'running' && i.ready).sort((a, b) => a.launchedAt - b.launchedAt);
  const first = ready[0];
  if (first === undefined) {
    throw new NotFoundError('no ready app-tier worker to make the image from: send it work (e.g. one photo to POST /) so that the autoscaler launches one, wait until /v1/status shows it ready, then run bake again');
  }
  return first;
}

/** `<prefix>-worker-YYYYMMDD-HHMMSS` (UTC): AMI names are unique per account and region. */
export function bakeImageName(prefix: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-worker-${stamp}`;
}

export interface WorkerImageRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly prefix: string;
}

/** Starts making the image; EC2 reboots the instance for a consistent disk (its worker finishes its message first). */
export async function createWorkerImage(client: EC2Client, request: WorkerImageRequest): Promise<string> {
  const tags = [
    { Key: PREFIX_TAG_KEY, Value: request.prefix },
    { Key: ROLE_TAG_KEY, Value: WORKER_IMAGE_ROLE },
  ];
  try {
    const out = await client.send(
      new CreateImageCommand({
        InstanceId: request.instanceId,
        Name: request.name,
        Description: `Scaleface worker image (prefix ${request.prefix}) from ${request.instanceId}: Node, the project and its dependencies installed`,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
    );
    if (out.ImageId === undefined) throw new NotFoundError(`CreateImage from ${request.instanceId} returned no image id`);
    return out.ImageId;
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'UnauthorizedOperation' || code === 'AccessDenied') {
      throw new InvalidInputError(`these credentials may not make images: grant ec2:CreateImage and ec2:CreateTags (image, snapshot) to the operator running bake`, { cause: error });
    }
    throw fromEc2Error(error, `making an image of ${request.instanceId}`);
  }
}

export interface ImageWait {
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly onState?: (state: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_POLL_MS = 15_000;
/** Images of a 16 GiB root volume usually take several minutes; far beyond this something is wrong. */
const DEFAULT_TIMEOUT_MS = 45 * 60_000;

async function imageState(client: EC2Client, imageId: string): Promise<{ state: string; reason?: string }> {
  try {
    const out = await client.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const image = out.Images?.[0];
    // Just after CreateImage, DescribeImages may not list it yet (eventual consistency).
    return { state: image?.State ?? 'pending', reason: image?.StateReason?.Message };
  } catch (error) {
    if (awsErrorCode(error) === 'InvalidAMIID.NotFound') return { state: 'pending' };
    throw fromEc2Error(error, `describing image ${imageId}`);
  }
}

/** Resolves once the image is available; throws on a failed image or after the timeout. */
export async function waitForImage(client: EC2Client, imageId: string, options: ImageWait = {}): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? delay;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const start = now();
  for (;;) {
    const { state, reason } = await imageState(client, imageId);
    options.onState?.(state);
    if (state === 'available') return;
    if (state === 'failed' || state === 'invalid' || state === 'deregistered' || state === 'error') {
      throw new InvalidInputError(`image ${imageId} ${state}: ${reason ?? 'EC2 gave no reason'}`);
    }
    if (now() - start >= timeoutMs) throw new TimeoutError(`image ${imageId} is still ${state} after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(options.pollMs ?? DEFAULT_POLL_MS);
  }
}
