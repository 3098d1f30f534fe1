/**
 * The QueueSystem conformance suite: any adapter (embedded SQLite, SQS, an SQS emulator) runs it with
 * `runQueueConformance(label, harness)`. Every test uses queues with random names, so suites may share a backend.
 * Timeouts here are whole seconds because SQS accepts nothing finer.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Queue, QueueOptions, QueueSystem } from '../../src/ports/queue.js';
import { describeQueueBasics } from './queue-suite-basics.js';
import { describeQueueProcesses } from './queue-suite-processes.js';
import { describeReplyQueueReaper } from './queue-suite-reaper.js';
import { uniqueQueueName, type QueueHarness } from './queue-suite-support.js';
import { describeQueueVisibility } from './queue-suite-visibility.js';

export type { QueueHarness } from './queue-suite-support.js';

export interface QueueSuiteContext {
  readonly harness: QueueHarness;
  /** The system made for this suite run. */
  system(): QueueSystem;
  /** Creates a queue with a unique name starting with `base`; it is removed when the suite ends. */
  create(base: string, options?: QueueOptions): Promise<Queue>;
}

export function runQueueConformance(label: string, harness: QueueHarness): void {
  describe(`queue conformance: ${label}`, () => {
    let system: QueueSystem | undefined;
    const opened: string[] = [];
    const context: QueueSuiteContext = {
      harness,
      system: () => {
        assert.ok(system, 'the suite has no queue system yet');
        return system;
      },
      create: async (base, options) => {
        const name = uniqueQueueName(base);
        opened.push(name);
        return context.system().create(name, options);
      },
    };

    before(async () => {
      system = await harness.makeSystem();
    });
    after(async () => {
      if (system) {
        for (const name of opened) await system.remove(name);
        await system.close();
      }
      await harness.cleanup?.();
    });

    describeQueueBasics(context);
    describeQueueVisibility(context);
    describeQueueProcesses(context);
    describeReplyQueueReaper(context);
  });
}
