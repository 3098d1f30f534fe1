/**
 * The three ONNX graphs, built from face-api's weight files and cached on disk under a key made of the
 * weights' sha256 and the builder's version: a later start reads the file instead of rebuilding (~0.2 s),
 * and new weights or a changed builder never meet a stale graph. Without a usable cache folder the graphs
 * are built in memory.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faceApiModelFolder } from '../model.js';
import { decodeWeights, readWeightFiles, type NetWeights } from './weights.js';

/** Bump when face-graphs.ts or graph-builder.ts change what they emit. */
export const GRAPH_BUILDER_VERSION = 1;

export type FaceNetName = 'detector' | 'landmarks' | 'recognition';

type GraphBuild = (weights: NetWeights) => Promise<Uint8Array>;

/** The graph builder (and protobufjs under it) is imported on a cache miss only: a warm start never loads it. */
const faceGraphs = () => import('./face-graphs.js');

const NETS: Record<FaceNetName, { weights: string; build: GraphBuild }> = {
  detector: { weights: 'tiny_face_detector_model', build: async (w) => (await faceGraphs()).tinyFaceDetectorGraph(w) },
  landmarks: { weights: 'face_landmark_68_model', build: async (w) => (await faceGraphs()).faceLandmarkGraph(w) },
  recognition: { weights: 'face_recognition_model', build: async (w) => (await faceGraphs()).faceRecognitionGraph(w) },
};

export interface FaceGraphs {
  readonly graphs: Record<FaceNetName, Uint8Array>;
  /** Nets read from the cache rather than built. */
  readonly cached: number;
}

async function readCached(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/** Write-then-rename, so a reader never sees half a file; failures only cost a rebuild next time. */
async function writeCached(folder: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch {
    // A read-only or full disk: the graph in memory serves this process.
  }
}

/** One net's graph before it is read: its cache key, and how to get its bytes (from the cache or built). */
export interface GraphSource {
  readonly name: FaceNetName;
  /** The weights' sha256 with the builder's version: equal keys, equal graphs. */
  readonly key: string;
  load(): Promise<{ bytes: Uint8Array; cached: boolean }>;
}

async function graphSource(name: FaceNetName, folder: string, cacheDir: string | undefined): Promise<GraphSource> {
  const net = NETS[name];
  const files = await readWeightFiles(folder, net.weights);
  const key = createHash('sha256').update(`${files.digest}:${GRAPH_BUILDER_VERSION}`).digest('hex').slice(0, 16);
  const path = cacheDir === undefined ? undefined : join(cacheDir, `${net.weights}-${key}.onnx`);
  return {
    name,
    key,
    async load() {
      const hit = path === undefined ? undefined : await readCached(path);
      if (hit !== undefined) return { bytes: hit, cached: true };
      // Decoded only on a miss: a cache hit costs reading and hashing the files.
      const bytes = await net.build(decodeWeights(files));
      if (cacheDir !== undefined && path !== undefined) await writeCached(cacheDir, path, bytes);
      return { bytes, cached: false };
    },
  };
}

/** The three nets' sources (weights read and hashed, no graph read or built yet). Throws like loadFaceGraphs. */
export function faceGraphSources(cacheDir: string | undefined, folder: string = faceApiModelFolder()): Promise<GraphSource[]> {
  return Promise.all((['detector', 'landmarks', 'recognition'] as const).map((name) => graphSource(name, folder, cacheDir)));
}

/** Throws ModelUnavailableError when face-api's weight files cannot be read. */
export async function loadFaceGraphs(cacheDir: string | undefined, folder: string = faceApiModelFolder()): Promise<FaceGraphs> {
  const sources = await faceGraphSources(cacheDir, folder);
  const [detector, landmarks, recognition] = await Promise.all(sources.map((source) => source.load()));
  const cached = [detector!, landmarks!, recognition!].filter((graph) => graph.cached).length;
  return { graphs: { detector: detector!.bytes, landmarks: landmarks!.bytes, recognition: recognition!.bytes }, cached };
}
