/**
 * The system under test, started the way a user starts it: `node dist/src/cli/main.js up` as a child process
 * (its workers are its own children), on a fresh data folder and a free port, with the default settings.
 * SCALEFACE_* variables of the caller's environment are dropped so the run measures the defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SystemProcess {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const SERVING = /serving on (\S+)/;

/** The caller's environment without SCALEFACE_* settings, plus a log level that keeps stdout small. */
export function benchEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const kept = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('SCALEFACE_'));
  return { ...Object.fromEntries(kept), SCALEFACE_LOG_LEVEL: 'warn' };
}

/** The URL from the line `scaleface up` prints once it listens; undefined for any other text. */
export function servingUrl(stderrText: string): string | undefined {
  return SERVING.exec(stderrText)?.[1];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()));
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`scaleface up did not report its URL within ${timeoutMs} ms:\n${text}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const url = servingUrl(text);
      if (url !== undefined) {
        clearTimeout(timer);
        resolveUrl(url);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`scaleface up exited (${code ?? signal}) before serving:\n${text}`));
    });
  });
}

/**
 * Starts `scaleface up --port 0 --data-dir <dataDir> [--model <model>]`; its stdout (JSON logs) goes to
 * <dataDir>/up.log. `cli` runs another build's entry point (e.g. the one before a change, to compare).
 */
export async function startSystemProcess(
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
  model = 'face',
  cli = CLI_ENTRY,
): Promise<SystemProcess> {
  const log = openSync(join(dataDir, 'up.log'), 'a');
  const child = spawn(process.execPath, [cli, 'up', '--port', '0', '--data-dir', dataDir, '--model', model], {
    cwd: dataDir,
    env: benchEnvironment(env),
    stdio: ['ignore', log, 'pipe'],
  });
  closeSync(log);
  try {
    const url = await waitForUrl(child, 60_000);
    const stop = async (graceMs = 30_000) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    };
    return { url, pid: child.pid as number, stop };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
