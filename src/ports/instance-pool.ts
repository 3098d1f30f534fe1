/**
 * The compute on which app-tier workers run: local child processes or EC2 instances.
 * The autoscaler's controller is the only caller of launch and terminate.
 */
export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';

/**
 * Exit code of a worker that cannot start and would fail the same way again at once (its model or gallery
 * cannot be loaded): sysexits' EX_CONFIG. The local pool reports it; the autoscaler backs off launching.
 */
export const EXIT_CANNOT_START = 78;

export interface Instance {
  /** Backend id (a pid, an EC2 instance id). */
  readonly id: string;
  /** `app-tier-instance-<n>`. */
  readonly name: string;
  readonly state: InstanceState;
  /** Epoch milliseconds of the launch. */
  readonly launchedAt: number;
  /** True once the worker reported that its model is loaded and it polls the queue; false again once it is stopping. */
  readonly ready: boolean;
  /**
   * Epoch milliseconds of the worker's last proof of life since this launch, fresh or not (EC2: its newest
   * heartbeat); undefined when it never gave one, or when readiness is known otherwise (local processes).
   */
  readonly lastHeartbeatAt?: number;
  /** Messages the worker holds right now; undefined when the pool cannot tell. */
  readonly busy?: number;
  /** What runs the model in this instance, as the worker reported it; undefined until it is ready. */
  readonly runtime?: string;
}

export interface InstancePool {
  /** Every instance of ours that is not terminated (stopped ones included for start/stop fleets). */
  list(): Promise<Instance[]>;
  /** Starts `count` more instances. */
  launch(count: number): Promise<Instance[]>;
  /** Stops one named instance gracefully: it finishes the messages it holds, then exits. */
  terminate(id: string): Promise<void>;
  /**
   * Releases the pool when the process that drives it (the one running the autoscaler) shuts down. Local
   * child processes stop with their parent; EC2 instances keep running, and the next autoscaler adopts them
   * (it holds instances it finds for one idle window), so a restart of the web service keeps the app tier.
   */
  close(): Promise<void>;
}
