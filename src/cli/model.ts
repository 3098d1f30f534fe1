/** `scaleface model check [model]`: loads the model as a worker would, runs it once, prints what it is. */
import type { Command } from 'commander';
import { loadConfig, modelFromSpec } from '../config/index.js';
import { ScalefaceError } from '../domain/errors.js';
import { EXIT_CANNOT_START } from '../ports/instance-pool.js';

export const MODEL_OPTION_HELP = 'what to serve: face (default), objects (80 COCO classes), or the folder of your own TensorFlow.js or ONNX model';

async function checkModel(spec: string | undefined): Promise<void> {
  const config = loadConfig(spec === undefined ? {} : { model: modelFromSpec(spec) });
  const [{ createImageModel }, { createBackends, faceRuntimeOf }] = await Promise.all([import('../models/index.js'), import('../system/backends.js')]);
  const backends = await createBackends(config);
  try {
    const model = await createImageModel(config, { store: backends.store, galleryBucket: backends.names.galleryBucket, runtime: faceRuntimeOf(config) });
    console.log(JSON.stringify(model.describe()));
    await model.close();
  } finally {
    await backends.queues.close();
  }
}

export function registerModelCommand(program: Command, fail: (error: unknown) => never): void {
  const model = program.command('model').description('the image model the app tier serves');
  model
    .command('check')
    .description('load the model as a worker does, run it once on a blank image, print its name, kind, labels and runtime (JSON)')
    .argument('[model]', `${MODEL_OPTION_HELP} (default: the configured one)`)
    .action(async (spec: string | undefined) => {
      await checkModel(spec).catch((error: unknown) => {
        const code = error instanceof ScalefaceError ? error.code : undefined;
        if (code === 'MODEL_UNAVAILABLE' || code === 'MODEL_MISMATCH') {
          console.error(`scaleface: ${code}: ${(error as Error).message}`);
          process.exit(EXIT_CANNOT_START);
        }
        fail(error);
      });
      process.exit(0);
    });
}
