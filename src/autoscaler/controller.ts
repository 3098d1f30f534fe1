/**
 * The autoscaler's control loop: observe (request-queue depth, the pool's instances) → decide
 * (the pure policy) → apply (executor.ts: the plan of what to launch or terminate, the simulator's too,
 * carried out on the pool). Ticks never overlap; a failing queue or pool is logged and kept in status(),
 * never crashes the loop and never causes a scale-in.
 */
import type { Instance, InstancePool } from '../ports/instance-pool.js';
import type { LogFields, Logger } from '../ports/logger.js';
import type { Queue, QueueDepth } from '../ports/queue.js';
import { unresponsiveInstances, type InstanceDeadlines, type Unresponsive } from './fleet.js';
import { applyFleetPlan, countedInstances, planFleetChange, type ApplyContext, type PlanInput } from './executor.js';
import { DecisionLog, type AutoscalerStatus } from './decision-log.js';
import { LaunchBackoff } from './launch-backoff.js';
import { decideDesiredInstances, INITIAL_POLICY_STATE, validatePolicySettings, type PolicySettings, type PolicyState } from './policy.js';

export interface AutoscalerControllerOptions {
  /** The request queue; only depth() is read. */
  readonly queue: Queue;
  readonly pool: InstancePool;
  readonly settings: PolicySettings;
  /** Milliseconds between the end of one tick and the start of the next. */
  readonly tickMs: number;
  readonly logger?: Logger;
  /** Clock, epoch milliseconds (default Date.now). */
  readonly now?: () => number;
  /** Instances past these are not counted, but terminated and replaced (default: none applied). */
  readonly deadlines?: InstanceDeadlines;
  /** The model's service time as measured from the workers' answers (service-time.ts); undefined: settings.serviceTimeMs. */
  readonly serviceTimeMs?: () => number | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class AutoscalerController {
  private readonly decisions = new DecisionLog();
  private readonly backoff = new LaunchBackoff();
  private observedOnce = false;
  private readonly options: AutoscalerControllerOptions;
  private readonly now: () => number;
  private policyState: PolicyState = INITIAL_POLICY_STATE;
  private desired = 0;
  private instances: Instance[] = [];
  private backlog: QueueDepth | undefined;
  /** The last failure; cleared by the next tick that runs without one. */
  private lastError: string | undefined;
  private failedThisTick = false;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** Incremented by every start(), so that a loop from before a stop() never reschedules itself. */
  private generation = 0;

  constructor(options: AutoscalerControllerOptions) {
    validatePolicySettings(options.settings);
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Starts ticking: one tick now, then one `tickMs` after each tick ends. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop();
  }

  /** Stops ticking and waits for the tick in progress (and one already requested). Instances keep running. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.queued;
    await this.running;
  }

  /** An instance exited before it was ready: launches wait, longer after each such failure in a row. */
  noteFailedStart(why: string): void {
    this.backoff.noteFailedStart(this.now(), why);
    const { nextLaunchAt, failedStarts } = this.backoff.status()!;
    this.log('error', { failedStarts, nextLaunchAt, why }, `an instance failed to start; launches wait ${nextLaunchAt - this.now()} ms`);
  }

  /** Runs a tick as soon as possible (new work was just enqueued); does nothing once stopped. */
  poke(): Promise<void> {
    if (!this.started) return Promise.resolve();
    return this.tick();
  }

  /**
   * One observe → decide → apply round. When a tick is already running, the call waits for it and
   * then runs one more (shared by every caller that arrives meanwhile). Never rejects.
   */
  tick(): Promise<void> {
    if (this.running === undefined) {
      this.running = this.runTick().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.tick();
    });
    return this.queued;
  }

  status(): AutoscalerStatus {
    return {
      ...this.decisions.summary(),
      desired: this.desired,
      instances: [...this.instances],
      backlog: this.backlog,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.backoff.status() === undefined ? {} : { launchBackoff: this.backoff.status() }),
    };
  }

  private loop(generation = ++this.generation): void {
    if (!this.started || generation !== this.generation) return;
    void this.tick().then(() => {
      // A stop() (and maybe a new start()) since this tick began ends this loop.
      if (!this.started || generation !== this.generation) return;
      this.timer = setTimeout(() => this.loop(generation), this.options.tickMs);
    });
  }

  private async runTick(): Promise<void> {
    this.failedThisTick = false;
    try {
      await this.observeDecideApply();
    } catch (error) {
      // Every step catches its own failures; this is the last net so that the loop never dies.
      this.fail('autoscaler tick failed', error);
    }
    if (!this.failedThisTick) this.lastError = undefined;
  }

  private async observeDecideApply(): Promise<void> {
    const at = this.now();
    this.backlog = await this.readDepth();
    const instances = await this.listInstances();
    if (instances === undefined) return; // without the fleet there is nothing safe to do
    if (instances.some((i) => i.ready)) this.backoff.noteReady();
    const unresponsive = this.options.deadlines === undefined ? [] : unresponsiveInstances(instances, at, this.options.deadlines);
    const counted = countedInstances(instances, unresponsive);
    const current = counted.length;
    this.holdFoundInstancesOnce(current, at);
    const fleet = counted.map((i) => ({ ageMs: at - i.launchedAt, ready: i.ready, busy: i.busy }));
    const serviceTimeMs = this.options.serviceTimeMs?.();
    const observation = { now: at, backlog: this.backlog, current, fleet, ...(serviceTimeMs === undefined ? {} : { serviceTimeMs }) };
    const decision = decideDesiredInstances(observation, this.policyState, this.options.settings);
    const reason = unresponsive.length === 0 ? decision.reason : `${decision.reason}; replacing ${unresponsive.length} unresponsive: ${unresponsive.map((u) => u.reason).join('; ')}`;
    this.policyState = decision.state;
    this.desired = decision.desired;
    const replacing = unresponsive.length === 0 ? '' : `; replacing ${unresponsive.length} unresponsive instance${unresponsive.length === 1 ? '' : 's'}`;
    this.decisions.record({ at, desired: decision.desired, current, backlog: this.backlog, reason, summary: `${decision.summary}${replacing}` });
    // Changes are logged at info by the apply step; every decision, steady ones included, at debug.
    this.options.logger?.debug({ desired: decision.desired, current, backlog: this.backlog }, reason);
    const input = this.planInput(at, decision.desired, instances, unresponsive);
    await applyFleetPlan(planFleetChange(input), input, reason, this.applyContext);
    this.instances = (await this.listInstances()) ?? instances;
  }

  private planInput(at: number, desired: number, instances: Instance[], unresponsive: Unresponsive[]): PlanInput {
    const { maxInstances, billingMinimumMs } = this.options.settings;
    const launchHoldReason = this.backoff.status()?.lastFailure;
    return {
      now: at,
      desired,
      instances,
      unresponsive,
      maxInstances,
      billingMinimumMs,
      queueInFlight: this.backlog?.inFlight,
      launchHoldMs: this.backoff.holdMs(at),
      ...(launchHoldReason === undefined ? {} : { launchHoldReason }),
    };
  }

  private readonly applyContext: ApplyContext = {
    pool: { launch: (count) => this.options.pool.launch(count), terminate: (id) => this.options.pool.terminate(id) },
    backoff: this.backoff,
    now: () => this.now(),
    report: {
      info: (obj, msg) => this.log('info', obj, msg),
      error: (obj, msg) => this.log('error', obj, msg),
      fail: (what, error) => this.fail(what, error),
    },
  };

  /**
   * A controller that starts and finds instances running (a restarted `up` on EC2) knows nothing of their
   * recent work: it treats them as active now, so they are kept for one idle window, not stopped at once.
   */
  private holdFoundInstancesOnce(current: number, at: number): void {
    if (this.observedOnce) return;
    this.observedOnce = true;
    if (current === 0 || this.policyState.lastActiveAt !== undefined) return;
    // As if they had just been wanted and busy: the idle window and the scale-in window both start now.
    this.policyState = { ...this.policyState, lastActiveAt: at, wishes: [{ at, wanted: current }] };
    const window = this.options.settings.idleWindowMs;
    this.log('info', { found: current, idleWindowMs: window }, `found ${current} instance(s) at start; holding them for one idle window (${window} ms) before scaling in`);
  }

  private async readDepth(): Promise<QueueDepth | undefined> {
    try {
      return await this.options.queue.depth();
    } catch (error) {
      this.fail('reading the request-queue depth failed; holding the instance count', error);
      return undefined;
    }
  }

  private async listInstances(): Promise<Instance[] | undefined> {
    try {
      return await this.options.pool.list();
    } catch (error) {
      this.fail('listing instances failed', error);
      return undefined;
    }
  }

  private fail(what: string, error: unknown): void {
    this.failedThisTick = true;
    this.lastError = `${what}: ${messageOf(error)}`;
    this.log('error', { err: error }, this.lastError);
  }

  private log(level: 'info' | 'error', fields: LogFields, msg: string): void {
    this.options.logger?.[level](fields, msg);
  }
}
