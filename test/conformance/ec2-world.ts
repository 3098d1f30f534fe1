/**
 * An EC2 API of our own for the compute conformance suite, on aws-sdk-client-mock: instances that RunInstances
 * starts (pending, then running once "booted"), DescribeInstances answering the pool's tag and state filters as
 * EC2 does (an unknown id: InvalidInstanceID.NotFound), TerminateInstances moving one through shutting-down to
 * terminated. Each booted machine runs a stand-in worker: an Ec2HeartbeatReporter writing to a real object store,
 * which the pool reads back.
 */
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandInput,
  type Filter,
  type Instance as Ec2Instance,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2HeartbeatReporter, heartbeatReader } from '../../src/adapters/compute/ec2-heartbeat.js';
import { Ec2InstancePool } from '../../src/adapters/compute/ec2-pool.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import type { ComputeWorld, WorkerPlan } from './compute-suite.js';

interface Machine {
  readonly id: string;
  readonly tags: Tag[];
  readonly launchTime: Date;
  state: 'pending' | 'running' | 'shutting-down' | 'terminated';
  worker?: Ec2HeartbeatReporter;
}

/** Heartbeats every 25 ms: the busy count a worker reports reaches the pool with its next beat. */
const BEAT_MS = 25;

function notFound(ids: string[]): EC2ServiceException {
  const message = `The instance IDs '${ids.join(', ')}' do not exist`;
  return new EC2ServiceException({ name: 'InvalidInstanceID.NotFound', message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

function matches(machine: Machine, filters: Filter[] | undefined): boolean {
  return (filters ?? []).every((filter) => {
    const values = filter.Values ?? [];
    if (filter.Name === 'instance-state-name') return values.includes(machine.state);
    if (filter.Name?.startsWith('tag:')) return machine.tags.some((t) => `tag:${t.Key}` === filter.Name && values.includes(t.Value ?? ''));
    throw new Error(`the fake EC2 does not know the filter ${filter.Name}`);
  });
}

export class FakeEc2 {
  readonly client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  private readonly mock = mockClient(this.client);
  private readonly machines = new Map<string, Machine>();
  private launches = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly controlBucket: string,
    private readonly plan: (name: string) => WorkerPlan,
  ) {
    this.mock.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => ({ Instances: [this.run(input)] }));
    this.mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => this.describe(input));
    this.mock.on(TerminateInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => this.terminate(input.InstanceIds ?? []));
  }

  pool(): Ec2InstancePool {
    return new Ec2InstancePool({
      client: this.client,
      region: 'us-east-1',
      prefix: 'sf-conformance',
      launchTemplateId: 'lt-conformance',
      stoppedFleet: false,
      heartbeats: heartbeatReader(this.store, this.controlBucket),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    });
  }

  /** Stops every stand-in worker and the mock. */
  async dispose(): Promise<void> {
    await Promise.all([...this.machines.values()].map((m) => m.worker?.close()));
    this.mock.restore();
  }

  private run(input: RunInstancesCommandInput): Ec2Instance {
    const tags = input.TagSpecifications?.find((s) => s.ResourceType === 'instance')?.Tags ?? [];
    const id = `i-${(++this.launches).toString(16).padStart(17, '0')}`;
    const machine: Machine = { id, tags, launchTime: new Date(), state: 'pending' };
    this.machines.set(id, machine);
    setImmediate(() => this.boot(machine));
    return this.ec2Instance(machine);
  }

  /** The machine is up and its worker starts, doing what its plan says. */
  private boot(machine: Machine): void {
    if (machine.state !== 'pending') return;
    machine.state = 'running';
    const name = machine.tags.find((t) => t.Key === 'Name')?.Value ?? machine.id;
    const plan = this.plan(name);
    if (plan.runtime === undefined) return;
    machine.worker = new Ec2HeartbeatReporter({ store: this.store, controlBucket: this.controlBucket, name, intervalMs: BEAT_MS });
    machine.worker.busy(plan.busy ?? 0);
    machine.worker.ready(plan.runtime);
  }

  private describe(input: DescribeInstancesCommandInput) {
    const ids = input.InstanceIds;
    const unknown = (ids ?? []).filter((id) => !this.machines.has(id));
    if (unknown.length > 0) throw notFound(unknown);
    const found = [...this.machines.values()].filter((m) => (ids === undefined || ids.includes(m.id)) && matches(m, input.Filters));
    return { Reservations: found.length === 0 ? [] : [{ Instances: found.map((m) => this.ec2Instance(m)) }] };
  }

  /** Shutting down: the worker stops (and removes its heartbeat), then the instance is terminated. */
  private terminate(ids: string[]) {
    const unknown = ids.filter((id) => !this.machines.has(id));
    if (unknown.length > 0) throw notFound(unknown);
    for (const id of ids) {
      const machine = this.machines.get(id)!;
      if (machine.state === 'terminated' || machine.state === 'shutting-down') continue;
      machine.state = 'shutting-down';
      void (machine.worker?.close() ?? Promise.resolve()).then(() => (machine.state = 'terminated'));
    }
    return { TerminatingInstances: ids.map((id) => ({ InstanceId: id })) };
  }

  private ec2Instance(machine: Machine): Ec2Instance {
    return { InstanceId: machine.id, State: { Name: machine.state }, LaunchTime: machine.launchTime, Tags: machine.tags };
  }
}

let worlds = 0;

/** A fresh EC2 whose workers write their heartbeats to a control bucket of its own in `store`. */
export async function ec2World(store: ObjectStore, plan: (name: string) => WorkerPlan): Promise<ComputeWorld> {
  const controlBucket = `sf-conformance-control-${process.pid}-${++worlds}`;
  await store.ensureBucket(controlBucket);
  const ec2 = new FakeEc2(store, controlBucket, plan);
  return { pool: ec2.pool(), reopen: () => ec2.pool(), dispose: () => ec2.dispose() };
}
