/**
 * What a custom model's folder holds, read without loading the model (what `scaleface up` checks before it
 * serves): the model file, its labels and its input settings. Every refusal names the file and the fix.
 *
 * - TensorFlow.js (layers or graph, as Teachable Machine and the converter export them): `model.json` + weight
 *   files, labels and settings in `metadata.json` (Teachable Machine's `labels` and `imageSize`) or `labels.txt`.
 * - ONNX: `model.onnx`, labels in `labels.txt` (or `labels` in `model.json`), settings in an optional `model.json`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigInvalidError, ModelUnavailableError } from '../../domain/errors.js';
import { readJsonFile, type TfjsModelJson } from '../tfjs-files.js';

export type CustomFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph';

const triple = z.union([z.number(), z.tuple([z.number(), z.number(), z.number()])]);

/** The settings a model folder may give (`model.json` beside an ONNX model, `metadata.json` beside a tfjs one). */
export const modelSettingsSchema = z.object({
  labels: z.array(z.string().min(1)).min(1).optional(),
  /** Square input side (Teachable Machine's key); or width and height. Default: the model's input shape. */
  imageSize: z.number().int().positive().optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  channels: z.enum(['RGB', 'BGR']).optional(),
  layout: z.enum(['NHWC', 'NCHW']).optional(),
  /** value = (pixel 0..255 − mean) / std, one number or one per channel (in the model's channel order). */
  mean: triple.optional(),
  std: triple.optional(),
  /** How the image becomes the input size: `cover` (centre crop, default), `fill` (stretch), `contain` (letterbox). */
  fit: z.enum(['cover', 'fill', 'contain']).optional(),
  /** Whether the output is already probabilities; `auto` (default) applies softmax unless it sums to 1. */
  scores: z.enum(['auto', 'probabilities', 'logits']).optional(),
});

export type ModelSettings = z.infer<typeof modelSettingsSchema>;

export interface ModelFolder {
  readonly dir: string;
  readonly name: string;
  readonly format: CustomFormat;
  /** The model file (model.onnx or model.json). */
  readonly modelFile: string;
  readonly labels: readonly string[];
  readonly settings: ModelSettings;
  /** Teachable Machine's export: inputs scaled to −1..1 unless said otherwise. */
  readonly teachableMachine: boolean;
}

function readSettings(path: string): { settings: ModelSettings; teachableMachine: boolean } {
  const raw = readJsonFile<unknown>(path, 'model settings');
  const parsed = modelSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigInvalidError(`${path}: ${problems}`);
  }
  const meta = raw as Record<string, unknown>;
  return { settings: parsed.data, teachableMachine: meta.tmVersion !== undefined || meta.packageName === '@teachablemachine/image' };
}

function readLabelsFile(path: string): string[] {
  const labels = readFileSync(path, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (labels.length === 0) throw new ConfigInvalidError(`${path} holds no labels (one label a line)`);
  // Teachable Machine's Keras export writes `0 red`, `1 blue`: the index is not part of the label.
  return labels.every((line, i) => line.startsWith(`${i} `)) ? labels.map((line) => line.replace(/^\d+ /, '')) : labels;
}

function tfjsFormat(modelJson: string): CustomFormat {
  const json = readJsonFile<TfjsModelJson>(modelJson, 'TensorFlow.js model');
  if (json.modelTopology === undefined || json.weightsManifest === undefined) {
    throw new ConfigInvalidError(`${modelJson} is not a TensorFlow.js model (it has no modelTopology or weightsManifest); beside model.onnx, model.json holds settings`);
  }
  if (json.format === 'graph-model') return 'tfjs-graph';
  if (json.format === 'layers-model') return 'tfjs-layers';
  return Array.isArray((json.modelTopology as { node?: unknown }).node) ? 'tfjs-graph' : 'tfjs-layers';
}

function labelsOf(dir: string, settings: ModelSettings, settingsFile: string): string[] {
  const labelsTxt = join(dir, 'labels.txt');
  if (existsSync(labelsTxt)) return readLabelsFile(labelsTxt);
  if (settings.labels !== undefined) return settings.labels;
  throw new ConfigInvalidError(`${dir} has no labels: add labels.txt (one label a line) or "labels" in ${basename(settingsFile)}`);
}

/** Reads a custom model's folder (no model is loaded). Throws ConfigInvalidError saying what is missing or wrong. */
export function inspectModelFolder(folder: string): ModelFolder {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigInvalidError(`model folder ${dir} does not exist`);
  const onnx = join(dir, 'model.onnx');
  const modelJson = join(dir, 'model.json');
  const format: CustomFormat | undefined = existsSync(onnx) ? 'onnx' : existsSync(modelJson) ? tfjsFormat(modelJson) : undefined;
  if (format === undefined) {
    throw new ConfigInvalidError(`${dir} holds no model: expected model.onnx (ONNX) or model.json with its weight files (TensorFlow.js)`);
  }
  const settingsFile = format === 'onnx' ? modelJson : join(dir, 'metadata.json');
  const { settings, teachableMachine } = existsSync(settingsFile) ? readSettings(settingsFile) : { settings: {}, teachableMachine: false };
  const labels = labelsOf(dir, settings, settingsFile);
  return { dir, name: basename(dir), format, modelFile: format === 'onnx' ? onnx : modelJson, labels, settings, teachableMachine };
}

/** inspectModelFolder's errors as the worker reports them: it cannot start. */
export function inspectForWorker(folder: string): ModelFolder {
  try {
    return inspectModelFolder(folder);
  } catch (error) {
    if (error instanceof ConfigInvalidError || error instanceof ModelUnavailableError) {
      throw new ModelUnavailableError(error.message, { cause: error });
    }
    throw error;
  }
}
