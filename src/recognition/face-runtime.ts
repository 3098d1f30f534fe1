/**
 * Which runtime runs face-api's nets. `onnx` (onnxruntime-node, native, multi-threaded) is several times
 * faster than `wasm` (tfjs-wasm, one thread) and gives the same descriptors within float rounding
 * (test/recognition/runtime-parity.test.ts), so galleries work with both. `auto`, the default, takes onnx
 * and falls back to wasm only when the native library cannot load, and says so (`fallbackReason`, which
 * the worker logs as a warning and reports in /v1/status); an explicit `onnx` refuses to start without it.
 */
import { ModelUnavailableError, ScalefaceError } from '../domain/errors.js';
import type { FaceNetworks } from './face-networks.js';

export type RuntimeSetting = 'auto' | 'onnx' | 'wasm';

export interface RuntimeChoice {
  readonly runtime?: RuntimeSetting;
  /** onnxruntime threads per net. */
  readonly threads?: number;
  /** Folder for built ONNX graphs (cached by weight checksum). */
  readonly cacheDir?: string;
}

export interface LoadedFaceNetworks extends FaceNetworks {
  /** Set when `auto` fell back to wasm: why onnx could not be used. */
  readonly fallbackReason?: string;
}

export const DEFAULT_ONNX_THREADS = 1;

const loaded = new Map<string, Promise<LoadedFaceNetworks>>();

async function loadOnnx(choice: RuntimeChoice): Promise<FaceNetworks> {
  const { loadOnnxFaceNetworks } = await import('./onnx/onnx-face-networks.js');
  return loadOnnxFaceNetworks({ threads: choice.threads ?? DEFAULT_ONNX_THREADS, cacheDir: choice.cacheDir });
}

async function loadWasm(): Promise<FaceNetworks> {
  // Imported on demand: the onnx path never loads tfjs.
  const { loadWasmFaceNetworks } = await import('./wasm-face-networks.js');
  return loadWasmFaceNetworks();
}

function reasonOf(error: unknown): string {
  if (error instanceof ScalefaceError && error.cause instanceof Error) return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** How each runtime loads (tests replace them to make one fail). */
export interface RuntimeLoaders {
  readonly onnx: (choice: RuntimeChoice) => Promise<FaceNetworks>;
  readonly wasm: () => Promise<FaceNetworks>;
}

const DEFAULT_LOADERS: RuntimeLoaders = { onnx: loadOnnx, wasm: loadWasm };

/** Loads the chosen runtime; `auto` falls back to wasm only when onnx is unavailable, not on other errors. */
export async function loadRuntime(choice: RuntimeChoice, loaders: RuntimeLoaders = DEFAULT_LOADERS): Promise<LoadedFaceNetworks> {
  const runtime = choice.runtime ?? 'auto';
  if (runtime === 'wasm') return loaders.wasm();
  if (runtime === 'onnx') return loaders.onnx(choice);
  try {
    return await loaders.onnx(choice);
  } catch (error) {
    if (!(error instanceof ModelUnavailableError)) throw error;
    return { ...(await loaders.wasm()), fallbackReason: reasonOf(error) };
  }
}

/**
 * The face nets on the chosen runtime, loaded once per process and choice; a failed load is forgotten so a
 * later call can try again. Throws ModelUnavailableError when the chosen runtime cannot run.
 */
export function loadFaceNetworks(choice: RuntimeChoice = {}): Promise<LoadedFaceNetworks> {
  const key = JSON.stringify([choice.runtime ?? 'auto', choice.threads ?? DEFAULT_ONNX_THREADS, choice.cacheDir ?? null]);
  let loading = loaded.get(key);
  if (loading === undefined) {
    loading = loadRuntime(choice);
    loaded.set(key, loading);
    loading.catch(() => loaded.delete(key));
  }
  return loading;
}
