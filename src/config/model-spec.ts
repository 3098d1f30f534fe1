import { resolve } from 'node:path';

/** The models a deployment can serve (config `model.kind`). */
export const MODEL_KINDS = ['face', 'objects', 'custom'] as const;
export type ModelKindSetting = (typeof MODEL_KINDS)[number];

/**
 * `--model` / SCALEFACE_MODEL: `face`, `objects`, or the folder of your own model (any other value; write
 * `./objects` for a folder named like a built-in model). The folder is made absolute here, so workers started
 * elsewhere find it.
 */
export function modelFromSpec(spec: string): { kind: ModelKindSetting; dir?: string } {
  const value = spec.trim();
  if (value === 'face' || value === 'objects') return { kind: value };
  return { kind: 'custom', dir: resolve(value) };
}
