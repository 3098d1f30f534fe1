/**
 * A TensorFlow.js model (model.json + its weight files) read from a folder, as an IO handler tfjs loads from:
 * nothing is fetched. Missing or short weight files fail with the file's name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import { ModelUnavailableError } from '../domain/errors.js';

type Tf = typeof TfModule;
type ModelArtifacts = TfModule.io.ModelArtifacts;
type WeightsManifest = { paths: string[]; weights: TfModule.io.WeightsManifestEntry[] }[];

/** model.json as tfjs writes it (layers or graph model). */
export interface TfjsModelJson {
  readonly format?: string;
  readonly modelTopology?: unknown;
  readonly weightsManifest?: WeightsManifest;
  readonly signature?: unknown;
  readonly userDefinedMetadata?: Record<string, unknown>;
  readonly modelInitializer?: unknown;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
}

export function readJsonFile<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelUnavailableError(`${what}: cannot read ${path}`, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ModelUnavailableError(`${what}: ${path} is not valid JSON`, { cause: error });
  }
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

function expectedBytes(entry: TfModule.io.WeightsManifestEntry): number {
  const quantized = entry.quantization?.dtype;
  const bytes = quantized === undefined ? (BYTES_PER_DTYPE[entry.dtype] ?? 4) : (BYTES_PER_DTYPE[quantized] ?? 1);
  return entry.shape.reduce((a, b) => a * b, 1) * bytes;
}

/** The weight files of `manifest`, concatenated in order; throws naming a missing or short file. */
export function readWeights(dir: string, manifest: WeightsManifest): ArrayBuffer {
  const parts = manifest.flatMap((group) => group.paths).map((path) => {
    try {
      return readFileSync(join(dir, path));
    } catch (error) {
      throw new ModelUnavailableError(`weights file ${join(dir, path)} is missing or unreadable`, { cause: error });
    }
  });
  const data = Buffer.concat(parts);
  const expected = manifest.flatMap((group) => group.weights).reduce((sum, entry) => sum + expectedBytes(entry), 0);
  if (data.length < expected) {
    throw new ModelUnavailableError(`the weights files of ${dir} hold ${data.length} bytes, the manifest needs ${expected}`);
  }
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
}

/** An IO handler tfjs's loadGraphModel / loadLayersModel read `<dir>/<file>` through. */
export function folderHandler(tf: Tf, dir: string, file = 'model.json'): TfModule.io.IOHandler {
  const json = readJsonFile<TfjsModelJson>(join(dir, file), 'TensorFlow.js model');
  if (json.modelTopology === undefined || json.weightsManifest === undefined) {
    throw new ModelUnavailableError(`${join(dir, file)} is not a TensorFlow.js model (no modelTopology or weightsManifest)`);
  }
  const weightsManifest = json.weightsManifest;
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    weightSpecs: weightsManifest.flatMap((group) => group.weights),
    weightData: readWeights(dir, weightsManifest),
    ...(json.format === undefined ? {} : { format: json.format }),
    ...(json.signature === undefined ? {} : { signature: json.signature as object }),
    ...(json.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> }),
    ...(json.modelInitializer === undefined ? {} : { modelInitializer: json.modelInitializer as object }),
  };
  return tf.io.fromMemory(artifacts);
}

/**
 * A built-in model's `<dir>/<file>` loaded as a graph or layers model; what tfjs cannot load becomes a
 * ModelUnavailableError naming the file (the handler's own errors already name theirs).
 */
export async function loadBuiltInModel(tf: Tf, dir: string, file: string, kind: 'graph'): Promise<TfModule.GraphModel>;
export async function loadBuiltInModel(tf: Tf, dir: string, file: string, kind: 'layers'): Promise<TfModule.LayersModel>;
export async function loadBuiltInModel(tf: Tf, dir: string, file: string, kind: 'graph' | 'layers'): Promise<TfModule.GraphModel | TfModule.LayersModel> {
  try {
    const handler = folderHandler(tf, dir, file);
    return kind === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (error) {
    if (error instanceof ModelUnavailableError) throw error;
    throw new ModelUnavailableError(`cannot load ${join(dir, file)}: ${(error as Error).message}`, { cause: error });
  }
}
