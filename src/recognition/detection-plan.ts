/**
 * Which detector passes to run on a frame so that faces of every size are found. Pure: sizes in, passes out.
 *
 * The tiny face detector finds a face when it is about 45-150 px wide at its input (measured on face-api's
 * demo photos cropped and scaled: 40 px is hit and miss, 48-140 px always found at inputSize 416; at 160 the
 * face may fill the whole input). One pass over a frame of side L at inputSize S therefore covers faces of
 * roughly 45·L/S to 150·L/S frame pixels, a range of about three. The plan stacks passes until faces down to
 * `minFaceSide` are covered: the frame as a whole (as before), the frame with a border (a face that fills the
 * picture), and overlapping tiles at finer scales (small faces in group photos), within a tile budget.
 */

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface DetectionPass {
  /** For logs and tests: `whole@160`, `bordered@160`, `tile@416`, ... */
  readonly name: string;
  /** Part of the frame the detector sees, in frame pixels. */
  readonly region: Region;
  /** Mirrored border added around the region, as a fraction of its sides (lets a face that fills it be found). */
  readonly borderFraction: number;
  readonly inputSize: number;
  /** True for tiles: a face cut by the tile's inner edge is dropped (a neighbouring tile holds it whole). */
  readonly isTile: boolean;
}

export interface DetectionPlan {
  /** Always run; a face found by an earlier pass wins over the same face found by a later one. */
  readonly passes: readonly DetectionPass[];
  /** Run only when `passes` found no face at all, one by one until one finds a face. */
  readonly fallbacks: readonly DetectionPass[];
}

export interface MultiScaleSettings {
  /** Input size of the first pass on frames whose longer side is at most `smallFrameMaxSide`. */
  readonly smallInputSize: number;
  readonly smallFrameMaxSide: number;
  /** Input size of the first pass on larger frames, and of the passes that look for smaller faces. */
  readonly largeInputSize: number;
  /** Images whose longer side (before any shrinking) is below this get the first pass only: a crop of one face. */
  readonly multiScaleFromSide: number;
  /** Input sizes tried in turn on such a crop while no face is found (a 48 px or greyscale probe). */
  readonly smallFallbackInputSizes: readonly number[];
  /** Smallest face (frame pixels) the extra passes look for. */
  readonly minFaceSide: number;
  /** Most tiles per image: bounds the cost on huge group photos (their tiles grow until they fit). */
  readonly maxTiles: number;
}

export interface FrameSize {
  /** The frame as the detector gets it (including a mirrored border, if the decoder added one). */
  readonly width: number;
  readonly height: number;
  /** Longer side of the uploaded image, in its own pixels. */
  readonly originalLongSide: number;
  /** True when the decoder already put a mirrored border around the image (small images). */
  readonly hasBorder: boolean;
}

function whole(frame: FrameSize, inputSize: number, borderFraction = 0): DetectionPass {
  const name = `${borderFraction > 0 ? 'bordered' : 'whole'}@${inputSize}`;
  const region = { x: 0, y: 0, width: frame.width, height: frame.height };
  return { name, region, borderFraction, inputSize, isTile: false };
}

/** Face widths at the detector's input it finds reliably (see the module comment). */
const FOUND_FACE_MIN_AT_INPUT = 45;
const FOUND_FACE_MAX_AT_INPUT = 150;
/** Border around a frame searched for a face that fills it: the face then covers at most 1/1.5 of the input. */
const FILLING_FACE_BORDER = 0.25;

/** Smallest face (frame pixels) a pass finds reliably: the detector squares its input on the longer side. */
export function smallestFound(pass: DetectionPass): number {
  const side = Math.max(pass.region.width, pass.region.height) * (1 + 2 * pass.borderFraction);
  return (FOUND_FACE_MIN_AT_INPUT * side) / pass.inputSize;
}

/** Largest face (frame pixels) a pass finds reliably; a larger box is usually texture seen as a face. */
export function largestFound(pass: DetectionPass): number {
  const side = Math.max(pass.region.width, pass.region.height) * (1 + 2 * pass.borderFraction);
  return (FOUND_FACE_MAX_AT_INPUT * side) / pass.inputSize;
}

/** Start positions of tiles of `tile` pixels along `length`, overlapping by at least `overlap`. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (tile >= length) return [0];
  const count = Math.ceil((length - tile) / Math.max(1, tile - overlap)) + 1;
  const step = (length - tile) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

function tileGrid(frame: FrameSize, tile: number, inputSize: number): DetectionPass[] {
  const overlap = (FOUND_FACE_MAX_AT_INPUT * tile) / inputSize;
  const passes: DetectionPass[] = [];
  for (const y of tileStarts(frame.height, tile, overlap)) {
    for (const x of tileStarts(frame.width, tile, overlap)) {
      const region = { x, y, width: Math.min(tile, frame.width - x), height: Math.min(tile, frame.height - y) };
      passes.push({ name: `tile@${inputSize}`, region, borderFraction: 0, inputSize, isTile: true });
    }
  }
  return passes;
}

/**
 * Overlapping tiles (neighbours overlap by the largest face a tile finds, so every face lies whole in one)
 * small enough to reach `minFaceSide`, grown until they fit the budget and no smaller than needed to
 * join the range of the whole-frame passes above them (`coveredDown`).
 */
function tiling(frame: FrameSize, coveredDown: number, settings: MultiScaleSettings): DetectionPass[] {
  const inputSize = settings.largeInputSize;
  const joining = (coveredDown * inputSize) / FOUND_FACE_MAX_AT_INPUT;
  let tile = Math.max(joining, (settings.minFaceSide * inputSize) / FOUND_FACE_MIN_AT_INPUT);
  let grid = tileGrid(frame, Math.floor(tile), inputSize);
  while (grid.length > settings.maxTiles) {
    tile *= 1.1;
    grid = tileGrid(frame, Math.floor(tile), inputSize);
  }
  // Tiles about as large as the frame find nothing the whole-frame pass does not.
  const reachesSmaller = (FOUND_FACE_MIN_AT_INPUT * tile) / inputSize < 0.75 * coveredDown;
  return grid.length > 1 && reachesSmaller ? grid : [];
}

/** Whole-frame passes at the larger input size, then tiles, until faces of `minFaceSide` are covered. */
function finerPasses(frame: FrameSize, first: DetectionPass, settings: MultiScaleSettings): DetectionPass[] {
  const passes: DetectionPass[] = [];
  let coveredDown = smallestFound(first);
  if (first.inputSize < settings.largeInputSize) {
    const wholeLarge = whole(frame, settings.largeInputSize);
    passes.push(wholeLarge);
    coveredDown = smallestFound(wholeLarge);
  }
  if (coveredDown > settings.minFaceSide) passes.push(...tiling(frame, coveredDown, settings));
  return passes;
}

export function planDetection(frame: FrameSize, settings: MultiScaleSettings): DetectionPlan {
  const isSmall = Math.max(frame.width, frame.height) <= settings.smallFrameMaxSide;
  const first = whole(frame, isSmall ? settings.smallInputSize : settings.largeInputSize);
  if (frame.originalLongSide < settings.multiScaleFromSide) {
    // A crop of one face (the course's 64 px probes): one pass, and other scales only while nothing is found.
    return { passes: [first], fallbacks: settings.smallFallbackInputSizes.map((size) => whole(frame, size)) };
  }
  const passes = [first];
  if (!frame.hasBorder) passes.push(whole(frame, settings.smallInputSize, FILLING_FACE_BORDER));
  passes.push(...finerPasses(frame, first, settings));
  return { passes, fallbacks: [] };
}
