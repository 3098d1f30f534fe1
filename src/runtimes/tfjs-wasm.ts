/**
 * TensorFlow.js on its wasm backend, the runtime the face nets (on wasm), the objects model and custom tfjs
 * models share. Loaded with `require`, so that every user (face-api among them) gets one CommonJS instance of tfjs.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import type * as TfWasmModule from '@tensorflow/tfjs-backend-wasm';
import { ModelUnavailableError } from '../domain/errors.js';

const requireFromHere = createRequire(import.meta.url);

/** Requires a runtime package; ModelUnavailableError naming it when it cannot be loaded. */
export function requireRuntimeModule<T>(id: string): T {
  try {
    return requireFromHere(id) as T;
  } catch (error) {
    throw new ModelUnavailableError(`cannot load ${id}`, { cause: error });
  }
}

/** Folder holding tfjs-backend-wasm's `.wasm` files, with the trailing slash tfjs needs. */
export function wasmBinariesFolder(): string {
  return dirname(requireFromHere.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

/**
 * Makes tfjs run on its wasm backend with the `.wasm` files of `wasmFolder`, or throws
 * ModelUnavailableError. Process-wide: tfjs has one active backend per process.
 */
export async function startWasmBackend(wasmFolder: string = wasmBinariesFolder()): Promise<string> {
  const tf = requireRuntimeModule<typeof TfModule>('@tensorflow/tfjs');
  const wasm = requireRuntimeModule<typeof TfWasmModule>('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmFolder);
  let selected: boolean;
  try {
    selected = await tf.setBackend('wasm');
    await tf.ready();
  } catch (error) {
    throw new ModelUnavailableError('the tfjs wasm backend failed to start', { cause: error });
  }
  const backend = tf.getBackend();
  if (!selected || backend !== 'wasm') {
    // tfjs would otherwise fall back to its pure-JS backend, 25-40x slower: refuse instead.
    throw new ModelUnavailableError(`the tfjs wasm backend is not available (active backend: ${backend})`);
  }
  return backend;
}
