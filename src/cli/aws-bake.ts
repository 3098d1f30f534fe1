/**
 * `scaleface aws bake`: makes an AMI from a ready app-tier worker, so that every later instance (web, autoscaler,
 * workers) boots with Node, the agent and node_modules in place and installs nothing (docs/aws.md, "Fast boots").
 */
import type { Command } from 'commander';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { loadConfig, type Config } from '../config/index.js';
import { ConfigInvalidError } from '../domain/errors.js';
import { silentLogger } from '../ports/logger.js';
import { createBackends } from '../system/backends.js';

export interface BakeOptions {
  readonly instance?: string;
  readonly wait: boolean;
}

/** Lists the app tier as the autoscaler sees it (ready from heartbeats), without starting anything. */
async function listWorkers(config: Config) {
  const { createInstancePool } = await import('../adapters/compute/index.js');
  const backends = await createBackends(config);
  try {
    const pool = await createInstancePool(config, { store: backends.store, controlBucket: backends.names.controlBucket, workerArgs: () => [], log: silentLogger });
    return await pool.list();
  } finally {
    await backends.queues.close();
  }
}

/** Makes the image and prints its id and the deploy command that uses it; resolves to the image id. */
export async function runAwsBake(config: Config, options: BakeOptions, print: (line: string) => void, client?: EC2Client): Promise<string> {
  if (config.compute.backend !== 'ec2') {
    throw new ConfigInvalidError('bake needs compute.backend = ec2 (SCALEFACE_COMPUTE=ec2) and the deployment\'s prefix and region (SCALEFACE_PREFIX, AWS_REGION)');
  }
  const { bakeImageName, chooseBakeSource, createWorkerImage, waitForImage } = await import('../adapters/compute/ec2-image.js');
  const source = chooseBakeSource(await listWorkers(config), options.instance);
  // Imported here, not at the top: every command (a local worker's start included) would load the SDK.
  const ec2 = client ?? new (await import('@aws-sdk/client-ec2')).EC2Client({ region: config.compute.ec2.region });
  const name = bakeImageName(config.prefix, new Date());
  print(`making image ${name} from ${source.id} (${source.name}); EC2 reboots it once (its worker finishes its message first)`);
  const imageId = await createWorkerImage(ec2, { instanceId: source.id, name, prefix: config.prefix });
  print(`image ${imageId} requested`);
  if (options.wait) {
    let last = '';
    await waitForImage(ec2, imageId, { onState: (state) => state !== last && print(`image ${imageId}: ${(last = state)}`) });
  }
  print(`next: npx cdk deploy -c prefix=${config.prefix} -c amiId=${imageId}  (plus the -c settings of your first deploy; see docs/aws.md)`);
  return imageId;
}

export function registerBakeCommand(aws: Command, fail: (error: unknown) => never): void {
  aws
    .command('bake')
    .description('make an AMI from a ready app-tier worker (Node, the project and its dependencies installed), so that instances booted from it install nothing')
    .option('--instance <id>', 'the worker to image (default: the ready worker launched first)')
    .option('--no-wait', 'return once EC2 accepted the request, without waiting for the image to be available')
    .action(async (opts: { instance?: string; wait: boolean }) => {
      await runAwsBake(loadConfig(), opts, (line) => console.log(line)).catch(fail);
      process.exit(0);
    });
}
