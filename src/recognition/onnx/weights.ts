/**
 * Reads a tfjs weights manifest (`<name>-weights_manifest.json` + its `.bin` shards), as face-api ships its
 * nets, into float32 arrays: the same values tfjs loads (uint8-quantized entries become `q * scale + min`).
 * No tfjs needed: the ONNX runtime path must not load it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelUnavailableError } from '../../domain/errors.js';

export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface NetWeights {
  /** Weights by their tfjs name, e.g. `conv0/filters`. */
  readonly tensors: ReadonlyMap<string, WeightTensor>;
}

interface ManifestEntry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

interface ManifestGroup {
  readonly paths: string[];
  readonly weights: ManifestEntry[];
}

const BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2 };

function decodeEntry(entry: ManifestEntry, bytes: Buffer, offset: number): { tensor: WeightTensor; size: number } {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const quantization = entry.quantization;
  const stored = quantization?.dtype ?? entry.dtype;
  const width = BYTES[stored];
  if (entry.dtype !== 'float32' || width === undefined) {
    throw new ModelUnavailableError(`weight ${entry.name}: unsupported dtype ${entry.dtype}/${stored}`);
  }
  const size = count * width;
  if (offset + size > bytes.length) throw new ModelUnavailableError(`weight ${entry.name}: shard too short`);
  const data = new Float32Array(count);
  if (quantization === undefined) {
    // Copy: the shard buffer's offset need not be 4-byte aligned.
    data.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size)));
  } else {
    const scale = quantization.scale ?? 1;
    const min = quantization.min ?? 0;
    for (let i = 0; i < count; i++) {
      const q = width === 1 ? bytes[offset + i]! : bytes.readUInt16LE(offset + 2 * i);
      data[i] = q * scale + min;
    }
  }
  return { tensor: { shape: entry.shape, data }, size };
}

/** A net's weight files as stored, and their sha256: what a cached graph is keyed on. */
export interface WeightFiles {
  readonly modelName: string;
  readonly groups: readonly { readonly weights: readonly ManifestEntry[]; readonly bytes: Buffer }[];
  readonly digest: string;
}

/** Reads the manifest and shards (no decoding). Throws ModelUnavailableError when one is missing or malformed. */
export async function readWeightFiles(folder: string, modelName: string): Promise<WeightFiles> {
  const hash = createHash('sha256');
  try {
    const manifestText = await readFile(join(folder, `${modelName}-weights_manifest.json`), 'utf8');
    hash.update(manifestText);
    const groups = [];
    for (const group of JSON.parse(manifestText) as ManifestGroup[]) {
      const shards = await Promise.all(group.paths.map((path) => readFile(join(folder, path))));
      for (const shard of shards) hash.update(shard);
      groups.push({ weights: group.weights, bytes: Buffer.concat(shards) });
    }
    return { modelName, groups, digest: hash.digest('hex') };
  } catch (error) {
    throw new ModelUnavailableError(`cannot read the weights of ${modelName} in ${folder}`, { cause: error });
  }
}

/** The weights as float32 tensors. Throws ModelUnavailableError for an unsupported or truncated entry. */
export function decodeWeights(files: WeightFiles): NetWeights {
  const tensors = new Map<string, WeightTensor>();
  for (const group of files.groups) {
    let offset = 0;
    for (const entry of group.weights) {
      const { tensor, size } = decodeEntry(entry, group.bytes, offset);
      tensors.set(entry.name, tensor);
      offset += size;
    }
  }
  return { tensors };
}

/** The named weight, or ModelUnavailableError naming what is missing. */
export function weight(weights: NetWeights, name: string): WeightTensor {
  const found = weights.tensors.get(name);
  if (found === undefined) throw new ModelUnavailableError(`weight ${name} is missing`);
  return found;
}
