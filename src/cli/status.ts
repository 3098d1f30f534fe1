/**
 * `scaleface status`: a summary a person reads (backlog, instances, the autoscaler's last decisions) of the
 * service's status document, or the document itself with --json.
 */
import type { StatusSnapshot } from '../domain/status-snapshot.js';

/** How many of the autoscaler's decisions the summary shows, newest first (the document keeps more). */
export const SUMMARY_DECISIONS = 5;

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

function instanceLine(instance: StatusSnapshot['instances'][number]): string {
  const busy = instance.busy === undefined ? '' : `, busy ${instance.busy}`;
  const runtime = instance.runtime === undefined ? '' : `, ${instance.runtime}`;
  return `  ${instance.name}  ${instance.state}${instance.ready ? ', ready' : ', not ready'}${busy}${runtime}`;
}

function decisionLines(status: StatusSnapshot): string[] {
  const recent = status.recentDecisions.slice(-SUMMARY_DECISIONS).reverse();
  if (recent.length === 0) return ['autoscaler: no decision yet'];
  const totals = status.decisionTotals;
  return [
    `autoscaler decisions (newest first; since start: ${totals.up} up, ${totals.down} down, ${totals.hold} hold):`,
    ...recent.map((d) => `  ${clock(d.at)} UTC  ${d.current} → ${d.desired}  ${d.reason}`),
  ];
}

/** The readable summary of one status document, as lines. */
export function formatStatus(status: StatusSnapshot, url: string): string[] {
  const q = status.queue;
  const ready = status.instances.filter((i) => i.ready).length;
  const lines = [
    `service    ${url}`,
    `backlog    ${status.backlog} (request queue: ${q.visible} waiting, ${q.inFlight} in flight, ${q.delayed} delayed; ` +
      `dead-letter queue: ${status.deadLetterQueue.visible})`,
    `instances  ${status.instances.length} (${ready} ready), desired ${status.desired}, at most ${status.maxInstances}`,
    ...status.instances.map(instanceLine),
    `web tier   ${status.webTier.waiting} request(s) waiting for a reply`,
  ];
  if (status.launchBackoff !== null) {
    const b = status.launchBackoff;
    lines.push(`launches held back after ${b.failedStarts} failed start(s) until ${clock(b.nextLaunchAt)} UTC: ${b.lastFailure}`);
  }
  if (status.autoscalerError !== null) lines.push(`autoscaler error: ${status.autoscalerError}`);
  return [...lines, ...decisionLines(status)];
}
