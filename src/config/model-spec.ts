import { resolve } from 'node:path';
import type { ModelKind } from '../ports/image-model.js';

/**
 * `--model` / SCALEFACE_MODEL: `face`, `objects`, or the folder of your own model (any other value; write
 * `./objects` for a folder named like a built-in model). The folder is made absolute here, so workers started
 * elsewhere find it.
 */
export function modelFromSpec(spec: string): { kind: ModelKind; dir?: string } {
  const value = spec.trim();
  if (value === 'face' || value === 'objects') return { kind: value };
  return { kind: 'custom', dir: resolve(value) };
}
