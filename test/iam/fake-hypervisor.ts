/**
 * Plays EC2's part for the instances the autoscaler launches in the emulator: each running instance gets a
 * `scaleface worker --name <Name tag>` under the app tier's role (what its boot script would start), and the
 * worker is stopped (SIGTERM, as systemd does at shutdown) once the instance is stopping or terminated.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { TierProcess } from './tier-process.js';

export class FakeHypervisor {
  readonly workers = new Map<string, TierProcess>();
  /** Every instance id that ever got a worker. */
  readonly booted = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly ec2: EC2Client,
    private readonly workerEnv: (name: string) => Record<string, string>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick()).catch(() => undefined);
    }, 250);
  }

  private async tick(): Promise<void> {
    const out = await this.ec2.send(new DescribeInstancesCommand({}));
    for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const id = instance.InstanceId ?? '';
      const state = instance.State?.Name;
      const worker = this.workers.get(id);
      if (state === 'running' && worker === undefined && !this.booted.has(id)) {
        const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value ?? id;
        this.booted.add(id);
        this.workers.set(id, new TierProcess(`worker ${name}`, ['worker', '--name', name], this.workerEnv(name)));
      } else if (state !== 'running' && state !== 'pending' && worker !== undefined) {
        this.workers.delete(id);
        void worker.stop();
      }
    }
  }

  /** Running workers. */
  get count(): number {
    return [...this.workers.values()].filter((w) => w.running).length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }
}
