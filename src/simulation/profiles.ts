/**
 * What the simulated backend is: boot and shutdown times, the queue depth's reporting delay, the controller's
 * tick, billing, and the latency target that is asked of every policy. Each figure says where it comes from.
 */
import { BACKEND_TIMINGS, SERVICE_TIME_MS, type BackendTimings } from '../autoscaler/policy-settings.js';
import type { LogNormal } from './random.js';

export type BootProfileName = 'local' | 'stopped-fleet' | 'fresh-boot';

export interface SimulationProfile {
  readonly name: BootProfileName;
  /** Launch → ready, seconds. */
  readonly boot: LogNormal;
  /** Stop requested → stopped (billing ends), seconds. */
  readonly shutdown: LogNormal;
  /** Seconds between the true queue depth and what a GetQueueAttributes-like read reports. */
  readonly depthLagS: number;
  /** Seconds between controller ticks (ours; the anchors keep their own periods). */
  readonly tickS: number;
  /** Each launch is billed at least this long, seconds. */
  readonly billingMinimumS: number;
  /** Dollars per instance-hour (for the cost column only). */
  readonly pricePerHour: number;
  /** The latency target every policy is held to: p95 seconds from arrival to answer. */
  readonly sloS: number;
  readonly maxInstances: number;
  /** What our policy is told about the backend (the same table the live configuration uses). */
  readonly timings: BackendTimings;
}

/** One image on one worker: measured 22.8 ms median (see SERVICE_TIME_MS); the spread (σ 0.25) is assumed. */
export const SERVICE_TIME: LogNormal = { median: SERVICE_TIME_MS / 1000, sigma: 0.25 };

/** c6i.large on-demand, Linux, us-east-1 (AWS price list): the cost column is instance-seconds × this. */
const PRICE_PER_HOUR = 0.085;

export const PROFILES: Record<BootProfileName, SimulationProfile> = {
  // Measured here: bench cold start → first answer 0.568 s with one recognition (bench/results/2026-11-29-issue12-pair1-after.json);
  // the embedded SQLite queue reports its depth exactly; processes are not billed (the cost column prices them as EC2 anyway).
  local: {
    name: 'local',
    boot: { median: 0.55, sigma: 0.2 },
    shutdown: { median: 0.2, sigma: 0.3 },
    depthLagS: 0,
    tickS: 0.25,
    billingMinimumS: 0,
    pricePerHour: PRICE_PER_HOUR,
    sloS: 2,
    maxInstances: 20,
    timings: BACKEND_TIMINGS.process,
  },
  // The 20 s to start a stopped instance (not measured here); SQS's approximate counts assumed 2 s behind.
  'stopped-fleet': {
    name: 'stopped-fleet',
    boot: { median: 20, sigma: 0.1 },
    shutdown: { median: 5, sigma: 0.3 },
    depthLagS: 2,
    tickS: 1,
    billingMinimumS: 60,
    pricePerHour: PRICE_PER_HOUR,
    sloS: 60,
    maxInstances: 20,
    timings: BACKEND_TIMINGS['ec2-stopped-fleet'],
  },
  // The 3 min for a fresh boot (instance start, OS, node, model load; not measured here).
  'fresh-boot': {
    name: 'fresh-boot',
    boot: { median: 180, sigma: 0.07 },
    shutdown: { median: 5, sigma: 0.3 },
    depthLagS: 2,
    tickS: 1,
    billingMinimumS: 60,
    pricePerHour: PRICE_PER_HOUR,
    sloS: 400,
    maxInstances: 20,
    timings: BACKEND_TIMINGS['ec2-fresh-boot'],
  },
};

export function isBootProfileName(name: string): name is BootProfileName {
  return name in PROFILES;
}
