/**
 * Runs a detection plan (detection-plan.ts) on one frame's networks and returns one box per face, in frame
 * pixels. Faces only the tiles found are looked at again (tile-confirmation.ts).
 */
import { setImmediate } from 'node:timers/promises';
import type { FaceBox } from '../ports/recognizer.js';
import type { DetectionPass, DetectionPlan } from './detection-plan.js';
import { dropUnconfirmedLargeBoxes, dropUnconfirmedSmallBoxes, isCutByTileEdge, isSameFace, isTileOnly, mergeFoundBoxes, type FoundBox } from './face-boxes.js';
import type { FrameNetworks } from './face-networks.js';
import { confirmationPasses, DEFAULT_TILE_CONFIRMATION, type TileConfirmation } from './tile-confirmation.js';

type Size = { readonly width: number; readonly height: number };

export class MultiScaleDetector {
  constructor(
    private readonly scoreThreshold: number,
    private readonly confirmation: TileConfirmation = DEFAULT_TILE_CONFIRMATION,
  ) {}

  /**
   * Boxes that `isWanted` rejects (reflections in a mirrored border, faces mostly outside the picture) are
   * dropped before deciding whether the fallbacks run.
   */
  async detect(nets: FrameNetworks, size: Size, plan: DetectionPlan, isWanted: (box: FaceBox) => boolean = () => true): Promise<FoundBox[]> {
    let ran = plan.passes;
    const found = (await this.runPasses(nets, ran, size, 0)).filter((hit) => isWanted(hit.box));
    for (const fallback of plan.fallbacks) {
      if (found.length > 0) break;
      const more = await this.runPasses(nets, [fallback], size, ran.length);
      found.push(...more.filter((hit) => isWanted(hit.box)));
      ran = [...ran, fallback];
    }
    const plausible = dropUnconfirmedLargeBoxes(dropUnconfirmedSmallBoxes(found, ran), ran);
    const kept: FoundBox[] = [];
    for (const hit of mergeFoundBoxes(plausible)) {
      if (!isTileOnly(hit, plausible, ran) || (await this.isConfirmed(nets, hit, size))) kept.push(hit);
    }
    return kept;
  }

  private async isConfirmed(nets: FrameNetworks, hit: FoundBox, size: Size): Promise<boolean> {
    for (const pass of confirmationPasses(hit.box, size, this.confirmation)) {
      const again = await nets.detect(pass, this.confirmation.minScore);
      if (!again.some((face) => isSameFace(face.box, hit.box))) return false;
    }
    return true;
  }

  private async runPasses(nets: FrameNetworks, passes: readonly DetectionPass[], size: Size, firstIndex: number): Promise<FoundBox[]> {
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
