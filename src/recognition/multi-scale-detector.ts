/**
 * Runs a detection plan (detection-plan.ts) on one frame's networks and returns one box per face, in frame
 * pixels.
 */
import { setImmediate } from 'node:timers/promises';
import type { FaceBox } from '../ports/recognizer.js';
import type { DetectionPass, DetectionPlan } from './detection-plan.js';
import { dropUnconfirmedSmallBoxes, isCutByTileEdge, mergeFoundBoxes, type FoundBox } from './face-boxes.js';
import type { FrameNetworks } from './face-networks.js';

export class MultiScaleDetector {
  constructor(private readonly scoreThreshold: number) {}

  /**
   * Boxes that `isWanted` rejects (reflections in a mirrored border, faces mostly outside the picture) are
   * dropped before deciding whether the fallbacks run.
   */
  async detect(
    nets: FrameNetworks,
    size: { width: number; height: number },
    plan: DetectionPlan,
    isWanted: (box: FaceBox) => boolean = () => true,
  ): Promise<FoundBox[]> {
    let ran = plan.passes;
    const found = (await this.runPasses(nets, ran, size, 0)).filter((hit) => isWanted(hit.box));
    if (found.length === 0 && plan.fallbacks.length > 0) {
      const more = await this.runPasses(nets, plan.fallbacks, size, ran.length);
      found.push(...more.filter((hit) => isWanted(hit.box)));
      ran = [...ran, ...plan.fallbacks];
    }
    return mergeFoundBoxes(dropUnconfirmedSmallBoxes(found, ran));
  }

  private async runPasses(
    nets: FrameNetworks,
    passes: readonly DetectionPass[],
    size: { width: number; height: number },
    firstIndex: number,
  ): Promise<FoundBox[]> {
    const found: FoundBox[] = [];
    for (const [offset, pass] of passes.entries()) {
      // Between passes, let timers run: a group photo takes 1-2 s of passes on wasm, and the worker's visibility
      // heartbeat (a third of the visibility timeout) must not wait for all of them. A one-pass image never yields.
      if (firstIndex + offset > 0) await setImmediate();
      for (const hit of await nets.detect(pass, this.scoreThreshold)) {
        if (!isCutByTileEdge(hit.box, pass, size)) found.push({ ...hit, passIndex: firstIndex + offset });
      }
    }
    return found;
  }
}
