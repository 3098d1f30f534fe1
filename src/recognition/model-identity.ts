/**
 * Which model a gallery's descriptors come from. Descriptors of different recognition weights live in
 * different spaces: comparing them gives distances that mean nothing, so a gallery records the identity it
 * was enrolled with and workers running another one refuse it (gallery.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ModelUnavailableError } from '../domain/errors.js';
import { faceApiModelFolder } from './model.js';

export interface ModelIdentity {
  /** The networks, named independently of the runtime that executes them (tfjs-wasm, or the ONNX graphs rebuilt from the same weights: the same descriptors). */
  readonly model: string;
  /** `<face-api version>+sha256:<first 12 hex of the recognition net's weights>`. */
  readonly version: string;
  /** ENROLLMENT_PIPELINE_VERSION of the code that enrolled. */
  readonly enrollment: number;
}

/**
 * Version of what enrollment does around the model (detection settings, framing, the face chip, the degraded copies of
 * variants.ts / DEFAULT_VARIANTS). Bump it when that pipeline changes: galleries of an older pipeline stay
 * usable (their descriptors are comparable) but may match less well until `scaleface gallery reindex`.
 */
export const ENROLLMENT_PIPELINE_VERSION = 4;

export const FACE_API_MODEL_NAME = 'face-api/tiny-face-detector+face-landmark-68+face-recognition-net';

/** The recognition net's weights and their manifest; only these shape the descriptors' space. */
const RECOGNITION_WEIGHTS = /^face_recognition_model.*\.(bin|json)$/;

const requireFromHere = createRequire(import.meta.url);
let memo: ModelIdentity | undefined;

/** Same weights: descriptors are comparable. The enrollment pipeline does not matter for that. */
export function sameModel(a: ModelIdentity, b: ModelIdentity): boolean {
  return a.model === b.model && a.version === b.version;
}

/** `face-api/... 1.7.15+sha256:abc (enrollment pipeline 2)`, for messages and logs. */
export function describeModel(identity: ModelIdentity): string {
  return `${identity.model} ${identity.version} (enrollment pipeline ${identity.enrollment})`;
}

function weightsDigest(folder: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(folder).filter((name) => RECOGNITION_WEIGHTS.test(name)).sort();
  if (files.length === 0) throw new ModelUnavailableError(`no face_recognition_model weights in ${folder}`);
  for (const name of files) hash.update(name).update('\0').update(readFileSync(`${folder}/${name}`));
  return hash.digest('hex').slice(0, 12);
}

/**
 * The identity of the model this process runs. Computed on first use (a synchronous read of ~6 MB, once
 * per process, so that constructors can take it as a default) and memoized.
 * Throws ModelUnavailableError when face-api's package or weights cannot be read.
 */
export function currentModelIdentity(): ModelIdentity {
  if (memo !== undefined) return memo;
  try {
    // Read, not require()d: the web tier's main thread must not even look as if it loaded face-api.
    const packageJson = requireFromHere.resolve('@vladmandic/face-api/package.json');
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    memo = {
      model: FACE_API_MODEL_NAME,
      version: `${version}+sha256:${weightsDigest(faceApiModelFolder())}`,
      enrollment: ENROLLMENT_PIPELINE_VERSION,
    };
  } catch (error) {
    if (error instanceof ModelUnavailableError) throw error;
    throw new ModelUnavailableError('cannot read the face-api package to identify the model', { cause: error });
  }
  return memo;
}

/** A ModelIdentity read back from JSON, or undefined when `value` is not one. */
export function parseModelIdentity(value: unknown): ModelIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { model, version, enrollment } = value as Record<string, unknown>;
  if (typeof model !== 'string' || typeof version !== 'string' || !Number.isInteger(enrollment)) return undefined;
  return { model, version, enrollment: enrollment as number };
}
