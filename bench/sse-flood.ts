/**
 * The event-stream flood, reproducible: `node dist/bench/sse-flood.js [--clients 2000] [--seconds 60]
 * [--set SCALEFACE_X=value ...] [--url http://host:port]`.
 *
 * Starts `scaleface up` (a child on a fresh data folder, default settings plus any --set) unless --url names a
 * running service, connects one client that reads `/v1/events`, then `--clients` clients that send
 * `GET /v1/events` and never read, and measures the kernel's TCP memory (/proc/net/sockstat, `TCP: ... mem N`
 * in pages) before, every 10 s, and after `--seconds`. At the end it reads what each non-reader was sent
 * (status line; whether the server ended the stream) and prints one JSON line with the figures.
 * Both ends run on this machine, so the figure counts both sides' socket buffers, as an attacker on the same
 * host would make it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchEnvironment, CLI_ENTRY, servingUrl } from './system-process.js';

interface FloodOptions {
  clients: number;
  seconds: number;
  url?: string;
  /** Sent by the reading client only (the non-readers never have it). */
  clientToken?: string;
  env: Record<string, string>;
}

function parseArgs(argv: readonly string[]): FloodOptions {
  const options: FloodOptions = { clients: 2000, seconds: 60, env: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--clients') options.clients = Number(value);
    else if (flag === '--seconds') options.seconds = Number(value);
    else if (flag === '--url') options.url = value;
    else if (flag === '--client-token') options.clientToken = value;
    else if (flag === '--set') {
      const [key, ...rest] = value.split('=');
      options.env[key ?? ''] = rest.join('=');
    } else throw new Error(`unknown argument ${flag}`);
    i += 1;
  }
  return options;
}

/** Kernel TCP memory now, in bytes (sockstat counts pages). */
export function tcpMemoryBytes(sockstat = readFileSync('/proc/net/sockstat', 'utf8')): number {
  const pages = /^TCP:.*\bmem (\d+)/m.exec(sockstat)?.[1];
  if (pages === undefined) throw new Error('no "TCP: ... mem N" line in /proc/net/sockstat');
  return Number(pages) * 4096;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function startUp(dataDir: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'up', '--port', '0', '--data-dir', dataDir], {
    cwd: dataDir,
    env: { ...benchEnvironment(process.env), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = servingUrl(text);
      if (found !== undefined) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`up exited (${code}) before serving:\n${text}`)));
  });
  return { url, child };
}

interface Client {
  readonly socket: Socket;
  failed: boolean;
}

function request(target: URL, token?: string): string {
  const auth = token === undefined ? '' : `Authorization: Bearer ${token}\r\n`;
  return `GET /v1/events HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n${auth}\r\n`;
}

/** A client that sends the request and never reads: the socket stays paused, so the kernel holds what arrives. */
function nonReader(target: URL): Promise<Client> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    socket.pause();
    const client: Client = { socket, failed: false };
    socket.once('error', () => ((client.failed = true), resolve(client)));
    socket.once('connect', () => socket.write(request(target), () => resolve(client)));
  });
}

/** A dashboard that reads: counts the `status` events it receives. */
function reader(target: URL, token?: string): { events: () => number; socket: Socket } {
  const socket = connect({ host: target.hostname, port: Number(target.port) }, () => socket.write(request(target, token)));
  let count = 0;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (count += chunk.split('event: status\n').length - 1));
  socket.on('error', () => undefined);
  return { events: () => count, socket };
}

/** What a non-reader was answered: its status line, and whether the server had ended the stream. */
function outcome(client: Client): Promise<string> {
  if (client.failed) return Promise.resolve('connect-failed');
  return new Promise((resolve) => {
    let head = '';
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 'no-answer';
      resolve(`${status}${ended ? ' ended by server' : ' still open'}`);
      client.socket.destroy();
    };
    const timer = setTimeout(() => finish(false), 2000);
    client.socket.on('data', (chunk: Buffer) => (head.length < 64 ? (head += chunk.toString('latin1')) : undefined));
    client.socket.once('end', () => finish(true));
    client.socket.once('close', () => finish(true));
    client.socket.on('error', () => undefined);
    client.socket.resume();
  });
}

function tally(outcomes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

async function flood(target: URL, options: FloodOptions) {
  const honest = reader(target, options.clientToken);
  await sleep(2000);
  const before = tcpMemoryBytes();
  const clients: Client[] = [];
  for (let i = 0; i < options.clients; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(50, options.clients - i) }, () => nonReader(target)))));
  }
  const series: { s: number; mb: number }[] = [];
  const started = Date.now();
  const honestAtStart = honest.events();
  for (let s = 10; s <= options.seconds; s += 10) {
    await sleep(Math.max(0, started + s * 1000 - Date.now()));
    series.push({ s, mb: mb(tcpMemoryBytes() - before) });
  }
  const after = tcpMemoryBytes();
  const honestEvents = honest.events() - honestAtStart;
  const outcomes = tally(await Promise.all(clients.map(outcome)));
  honest.socket.destroy();
  return { clients: options.clients, seconds: options.seconds, tcpMemBeforeMb: mb(before), tcpMemAfterMb: mb(after), growthMb: mb(after - before), series, outcomes, honestStatusEventsDuringFlood: honestEvents };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dataDir = options.url === undefined ? await mkdtemp(join(tmpdir(), 'scaleface-sse-flood-')) : undefined;
  const up = dataDir === undefined ? undefined : await startUp(dataDir, options.env);
  try {
    const target = new URL(options.url ?? up!.url);
    const result = await flood(target, options);
    console.log(JSON.stringify({ at: new Date().toISOString(), url: target.origin, settings: options.env, ...result }));
  } finally {
    up?.child.kill('SIGTERM');
    if (up) await new Promise((resolve) => (up.child.exitCode !== null ? resolve(undefined) : up.child.once('exit', resolve)));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('sse-flood.js')) await main();
