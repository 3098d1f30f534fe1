/**
 * A stand-in app-tier worker for the compute conformance suite: no queue, no model, only the local compute
 * backend's WorkerReporter. Usage: node reporting-worker.js <name> '<WorkerPlan as JSON>'
 * With a runtime in its plan it reports its busy count and ready at once; without one it never reports. It stops as
 * a worker does: on SIGTERM or when its owner is gone, it closes its reporter and exits 0.
 */
import { LocalProcessReporter } from '../../src/adapters/compute/local-process-reporter.js';
import type { WorkerPlan } from './compute-suite.js';

const plan = JSON.parse(process.argv[3] ?? '{}') as WorkerPlan;
const reporter = new LocalProcessReporter();
if (plan.runtime !== undefined) {
  reporter.busy(plan.busy ?? 0);
  reporter.ready(plan.runtime);
}
const alive = setInterval(() => undefined, 60_000);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(alive);
  await reporter.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
void reporter.ownerGone.then(stop);
