/**
 * The worker's side of an instance pool: what a running app-tier worker tells the pool that started it,
 * and whether that pool is still there. Each compute adapter implements it beside its pool
 * (src/adapters/compute: IPC to the parent process, or heartbeat objects for EC2); the worker's
 * composition root gets one from createWorkerReporter and never asks which backend it runs on.
 */
export interface WorkerReporter {
  /**
   * Settles once the owner of this worker is gone, and then the worker should stop as on SIGTERM
   * (local: the parent process that started it died; EC2: the machine is the worker's own, and its owner counts
   * as gone only when nobody drives the app tier any more: no work and no autoscaler heartbeat for
   * `compute.ec2.unattendedShutdownMs`; close() then gives the machine up).
   * Watched from the moment the reporter is created, so that an owner that dies while the model loads counts.
   */
  readonly ownerGone: Promise<void>;
  /**
   * The model is loaded and the worker polls the queue; `runtime` says what runs the model
   * (e.g. `onnx: onnxruntime-node 1.30.0 (1 thread per net)`). From now on the worker proves it is alive
   * (EC2: a heartbeat every few seconds; a local child is alive as long as its process is).
   */
  ready(runtime: string): void;
  /** The number of messages the worker holds changed to `count` (>= 0). */
  busy(count: number): void;
  /** Stops reporting (EC2: stops the heartbeats and removes the last, so a stopped worker is not taken for a ready one). */
  close(): Promise<void>;
}
