/**
 * What the embedder needs from face-api's three nets, whichever runtime runs them: on one frame, the faces
 * a detection pass finds, and the descriptors of faces at given boxes. `wasm-face-networks.ts` runs
 * face-api itself on tfjs-wasm; `onnx/onnx-face-networks.ts` runs the same nets and weights on
 * onnxruntime-node, with face-api's arithmetic around them.
 */
import type { FaceBox } from '../ports/recognizer.js';
import type { RgbPixels } from './decode.js';
import type { DetectionPass } from './detection-plan.js';
import type { FoundBox } from './face-boxes.js';

export type FaceRuntime = 'onnx' | 'wasm';

export interface ScoredFace {
  readonly box: FaceBox;
  readonly score: number;
}

export interface DescribedFace extends ScoredFace {
  /** 128-d face-api descriptor. */
  readonly descriptor: Float32Array;
  /** The 68 landmark points the descriptor's face was aligned on, in frame pixels. */
  readonly landmarks: readonly { readonly x: number; readonly y: number }[];
}

/** The nets bound to one frame (the wasm runtime converts the frame to a tensor once). */
export interface FrameNetworks {
  /** Faces one pass finds, in frame pixels, scoring above `scoreThreshold`. */
  detect(pass: DetectionPass, scoreThreshold: number): Promise<ScoredFace[]>;
  /**
   * Descriptors of the faces at `boxes` (frame pixels). A box reaching past the frame is described on a
   * mirror-bordered frame. A face that cannot be described is left out.
   */
  describe(boxes: readonly FoundBox[]): Promise<DescribedFace[]>;
  /** Frees what `open` allocated. */
  release(): void;
}

export interface FaceNetworks {
  readonly runtime: FaceRuntime;
  /** For status and logs: `onnxruntime-node 1.30.0 (2 threads)`, `tfjs-wasm 4.22.0 (SIMD, 1 thread)`. */
  readonly engine: string;
  open(pixels: RgbPixels): FrameNetworks;
}

/** The mirrored border a pass adds around its region, in whole pixels (the same for both runtimes). */
export function passBorder(pass: DetectionPass): { readonly x: number; readonly y: number } {
  return { x: Math.round(pass.region.width * pass.borderFraction), y: Math.round(pass.region.height * pass.borderFraction) };
}

/** Faces found in a pass's bordered region, moved to frame pixels. */
export function inFramePixels(found: readonly ScoredFace[], pass: DetectionPass): ScoredFace[] {
  const border = passBorder(pass);
  const { x, y } = pass.region;
  return found.map(({ box, score }) => ({ box: { ...box, x: box.x - border.x + x, y: box.y - border.y + y }, score }));
}

export interface Margins {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/**
 * How far `boxes` reach past a `width` × `height` frame (whole pixels), cut to what a symmetric mirror
 * border can hold (at most the frame's side): a box reaching farther is cut, as face-api would cut it.
 */
export function mirrorMarginsFor(boxes: readonly FoundBox[], width: number, height: number): Margins {
  const reach = (f: (b: FaceBox) => number, limit: number) =>
    Math.min(limit, Math.ceil(Math.max(0, ...boxes.map(({ box }) => f(box)))));
  return {
    left: reach((b) => -b.x, width),
    top: reach((b) => -b.y, height),
    right: reach((b) => b.x + b.width - width, width),
    bottom: reach((b) => b.y + b.height - height, height),
  };
}
