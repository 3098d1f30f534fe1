/**
 * A `scaleface` command run as its instance runs it: the environment its boot script writes, pointed at the
 * emulator, with the keys of a user holding exactly its role's statements and nothing inherited from the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Keys } from './emulator.js';

const MAIN = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');

export interface TierSettings {
  /** The tier's /etc/scaleface/env. */
  readonly bootEnv: Readonly<Record<string, string>>;
  readonly keys: Keys;
  readonly endpoint: string;
  readonly dataDir: string;
  /** Merged over the boot script's config.json (timings the test shortens, never rights). */
  readonly config?: Record<string, unknown>;
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export function tierEnv(t: TierSettings): Record<string, string> {
  mkdirSync(t.dataDir, { recursive: true });
  const configFile = join(t.dataDir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(configFile, JSON.stringify(t.config ?? {}));
  return {
    PATH: process.env.PATH ?? '',
    HOME: t.dataDir,
    ...(process.env.NODE_PATH ? { NODE_PATH: process.env.NODE_PATH } : {}),
    ...t.bootEnv,
    SCALEFACE_DATA_DIR: t.dataDir,
    SCALEFACE_CONFIG_FILE: configFile,
    SCALEFACE_SQS_ENDPOINT: t.endpoint,
    SCALEFACE_S3_ENDPOINT: t.endpoint,
    SCALEFACE_S3_FORCE_PATH_STYLE: 'true',
    SCALEFACE_LOG_LEVEL: 'warn',
    // EC2 (and any other service) reaches the emulator through the SDK's own endpoint variable.
    AWS_ENDPOINT_URL: t.endpoint,
    AWS_ACCESS_KEY_ID: t.keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.keys.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...t.extraEnv,
  };
}

export class TierProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly label: string,
    args: readonly string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => this.output.push(chunk.toString()) > 400 && this.output.shift();
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((ok) => this.child.once('exit', (code) => ok(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return `${this.label}: ${this.output.join('').slice(-3000)}`;
  }

  /** SIGTERM (a graceful stop, as systemd stops the unit); resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a command to its end; resolves with its exit code and output. */
export async function runToEnd(label: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = new TierProcess(label, args, env);
  const code = await run.exited;
  return { code, output: run.output.join('') };
}
