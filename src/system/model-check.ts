/**
 * What `up` checks of the configured model before it serves, so that a bad model fails at start and not at
 * the first request (workers only start with work): a custom model's folder is read (files, labels, settings)
 * and the model is loaded and run once by `scaleface model check` in a child process, whose memory goes with
 * it; the objects model's package must be installed. The face model is checked by its workers as before.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { localWorkerEnv } from '../adapters/compute/index.js';
import type { Config } from '../config/index.js';
import { ConfigInvalidError, ScalefaceError } from '../domain/errors.js';
import type { ModelInfo } from '../ports/image-model.js';
import { inspectModelFolder } from '../models/index.js';
import { humanModelsFolder } from '../models/objects/centernet-model.js';

const CLI_ENTRY = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const CHECK_TIMEOUT_MS = 120_000;

/** Runs `scaleface model check` with this configuration; resolves with what the model says of itself. */
export function checkModelInChild(config: Config): Promise<ModelInfo> {
  return new Promise((resolve, reject) => {
    const options = { env: localWorkerEnv(config), encoding: 'utf8' as const, timeout: CHECK_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 };
    execFile(process.execPath, [CLI_ENTRY, 'model', 'check'], options, (error, stdout, stderr) => {
      if (error === null) return resolve(JSON.parse(stdout) as ModelInfo);
      const said = stderr.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('scaleface: ')).pop();
      const reason = said?.replace(/^scaleface: (MODEL_UNAVAILABLE|CONFIG_INVALID|MODEL_MISMATCH): /, '') ?? `the check exited with ${error.code ?? error.signal}`;
      reject(new ConfigInvalidError(`the model cannot be served: ${reason}`, { cause: error }));
    });
  });
}

/** Throws ConfigInvalidError saying what is wrong with the configured model; resolves once it can be served. */
export async function checkModelBeforeServing(config: Config): Promise<void> {
  try {
    if (config.model.kind === 'objects') humanModelsFolder();
    if (config.model.kind !== 'custom') return;
    inspectModelFolder(config.model.dir!);
  } catch (error) {
    if (error instanceof ScalefaceError && error.code !== 'CONFIG_INVALID') throw new ConfigInvalidError(error.message, { cause: error });
    throw error;
  }
  await checkModelInChild(config);
}
