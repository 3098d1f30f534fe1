/**
 * Loads face-api (its node-wasm build) on tfjs's wasm backend, once per process.
 *
 * The package's `main` needs tfjs-node, so the wasm build is required by path. Everything is loaded with
 * `require` so that face-api, tfjs and the wasm backend share one CommonJS instance of tfjs.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as FaceApiModule from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type * as TfModule from '@tensorflow/tfjs';
import { ModelUnavailableError } from '../domain/errors.js';
import { requireRuntimeModule, startWasmBackend } from '../runtimes/tfjs-wasm.js';

export type FaceApi = typeof FaceApiModule;
export type Tf = typeof TfModule;

export interface FaceModel {
  readonly faceapi: FaceApi;
  /** The tfjs instance face-api uses (its own bundled types lack `setBackend`, hence this one). */
  readonly tf: Tf;
  readonly backend: string;
  readonly loadMs: number;
}

const requireFromHere = createRequire(import.meta.url);
const FACE_API_WASM_BUILD = '@vladmandic/face-api/dist/face-api.node-wasm.js';

let loading: Promise<FaceModel> | undefined;

/** Folder of face-api's bundled weights (`<package>/model`). */
export function faceApiModelFolder(): string {
  return join(dirname(requireFromHere.resolve('@vladmandic/face-api/package.json')), 'model');
}

async function loadWeights(faceapi: FaceApi): Promise<void> {
  const folder = faceApiModelFolder();
  try {
    await faceapi.nets.tinyFaceDetector.loadFromDisk(folder);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(folder);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(folder);
  } catch (error) {
    throw new ModelUnavailableError(`cannot load face-api weights from ${folder}`, { cause: error });
  }
}

async function loadOnce(): Promise<FaceModel> {
  const started = performance.now();
  const backend = await startWasmBackend();
  const tf = requireRuntimeModule<Tf>('@tensorflow/tfjs');
  const faceapi = requireRuntimeModule<FaceApi>(FACE_API_WASM_BUILD);
  const faceApiBackend = (faceapi.tf as unknown as Tf).getBackend();
  if (faceApiBackend !== 'wasm') {
    // face-api resolved another copy of tfjs than ours (a nested node_modules): it would run on cpu.
    throw new ModelUnavailableError(`face-api's tfjs runs on "${faceApiBackend}", not on wasm`);
  }
  await loadWeights(faceapi);
  return { faceapi, tf, backend, loadMs: performance.now() - started };
}

/**
 * The process's face model: wasm backend + tiny face detector + 68-point landmarks + recognition net.
 * Memoized; a failed load is forgotten so a later call can try again.
 * Throws ModelUnavailableError when the wasm backend cannot be used or the weights cannot be read.
 */
export function loadFaceModel(): Promise<FaceModel> {
  if (loading === undefined) {
    loading = loadOnce();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
