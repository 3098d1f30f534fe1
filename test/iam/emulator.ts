/**
 * moto (python3 -m moto.server's code, with the corrections in emulator/iam_moto.py) on a free loopback port,
 * IAM enforcement switched on once the set-up is done: an emulator that refuses what a role's statements do not
 * allow, and logs every decision.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from './ports.js';

/** emulator/ in the source tree (Python files are not compiled into dist/). */
export const EMULATOR_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/iam/emulator');
export const REGION = 'us-east-1';
/** moto's default account. */
export const ACCOUNT = '123456789012';
const ADMIN = { accessKeyId: 'admin', secretAccessKey: 'admin' };

export interface Decision {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  readonly allowed: boolean;
}

export interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Why the harness cannot run here, or undefined when python3 with moto is available. */
export function emulatorMissing(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import moto, flask; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error) return `python3 is not installed (${probe.error.message}): the IAM harness needs python3 with moto 5`;
  if (probe.status !== 0) return 'python3 has no moto (the IAM harness needs moto 5 with its server extras: flask)';
  return undefined;
}

export class IamEmulator {
  private constructor(
    readonly endpoint: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: string[],
  ) {}

  static async start(): Promise<IamEmulator> {
    const dir = await mkdtemp(join(tmpdir(), 'scaleface-iam-'));
    const port = await freePort();
    const child = spawn('python3', [join(EMULATOR_DIR, 'iam_moto.py'), String(port)], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, IAM_DECISIONS_LOG: join(dir, 'decisions.jsonl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => output.push(chunk.toString()) > 200 && output.shift();
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const emulator = new IamEmulator(`http://127.0.0.1:${port}`, child, dir, output);
    await waitUntil('the emulator answers', () => emulator.answers(), 30_000);
    return emulator;
  }

  private async answers(): Promise<boolean> {
    if (this.child.exitCode !== null) throw new Error(`the emulator exited: ${this.output.join('').slice(-2000)}`);
    return fetch(`${this.endpoint}/moto-api/`).then((r) => r.ok, () => false);
  }

  /** SDK client settings of the account's administrator (set-up only: enforcement is off until enforce()). */
  admin(): { endpoint: string; region: string; credentials: Keys; forcePathStyle: true } {
    return { endpoint: this.endpoint, region: REGION, credentials: ADMIN, forcePathStyle: true };
  }

  /**
   * One call of IAM's query API during set-up. Unsigned (the emulator checks no signature before enforce()),
   * so the harness needs no IAM SDK; the credential scope only tells the emulator which service is meant.
   */
  async iam(action: string, params: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params });
    const authorization = `AWS4-HMAC-SHA256 Credential=admin/20260101/${REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`;
    const response = await fetch(this.endpoint, { method: 'POST', body, headers: { authorization } });
    const text = await response.text();
    if (!response.ok) throw new Error(`IAM ${action} answered ${response.status}: ${text}`);
    return text;
  }

  /** An IAM user holding exactly `statements` (the role's), and its keys. */
  async principal(name: string, statements: readonly unknown[]): Promise<Keys> {
    await this.iam('CreateUser', { UserName: name });
    const PolicyDocument = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    await this.iam('PutUserPolicy', { UserName: name, PolicyName: `${name}-role`, PolicyDocument });
    const created = await this.iam('CreateAccessKey', { UserName: name });
    const field = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(created)?.[1];
    const accessKeyId = field('AccessKeyId');
    const secretAccessKey = field('SecretAccessKey');
    if (!accessKeyId || !secretAccessKey) throw new Error(`no access key for ${name}: ${created}`);
    return { accessKeyId, secretAccessKey };
  }

  /** A role in an instance profile of the same name, as the stack's app tier has (for iam:PassRole). */
  async instanceProfile(name: string): Promise<string> {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await this.iam('CreateRole', { RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) });
    const profile = await this.iam('CreateInstanceProfile', { InstanceProfileName: name });
    await this.iam('AddRoleToInstanceProfile', { InstanceProfileName: name, RoleName: name });
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(profile)?.[1];
    if (!arn) throw new Error(`no instance profile ARN: ${profile}`);
    return arn;
  }

  /** From now on every request is checked against its caller's policies (the administrator's included: none). */
  async enforce(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0', headers: { 'content-type': 'text/plain' } });
    if (!response.ok) throw new Error(`reset-auth answered ${response.status}`);
  }

  decisions(): Decision[] {
    let text = '';
    try {
      text = readFileSync(join(this.dir, 'decisions.jsonl'), 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Decision);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((ok) => this.child.once('exit', ok));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Per list of statements, the requests it would refuse, decided by the same evaluator the emulator uses. */
export function refusedBy(policies: readonly (readonly unknown[])[], requests: readonly Decision[]): Decision[][] {
  const job = JSON.stringify({ policies: policies.map((Statement) => ({ Version: '2012-10-17', Statement })), requests });
  const run = spawnSync('python3', [join(EMULATOR_DIR, 'iam_moto.py'), '--evaluate'], { input: job, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`the evaluator failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Decision[][];
}
