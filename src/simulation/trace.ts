/** One trace the simulator replays: the set's own (traces.ts) and those rebuilt from recorded runs (bench-trace.ts). */
export interface Trace {
  readonly name: string;
  readonly description: string;
  /** Seconds from the start, ascending. */
  readonly arrivals: Float64Array;
}
