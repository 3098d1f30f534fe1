/**
 * Logs a person reads on a terminal and a collector reads otherwise, and no line per request unless asked
 * (SCALEFACE_LOG_LEVEL=debug): real `scaleface up` processes, one of them on a pseudo-terminal (util-linux `script`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { readableLogLine, readableLogs } from '../../src/system/logger.js';
import { CLI, cleanEnv, startUp } from '../helpers/cli-process.js';
import { waitUntil } from '../helpers/wait.js';

/** One line as pino writes it. */
function pinoLine(write: (log: ReturnType<typeof pino>) => void): string {
  let line = '';
  write(pino({ base: { component: 'web', pid: 1 } }, { write: (text: string) => (line = text) }));
  return line;
}

describe('a readable log line', () => {
  test('time, level, component, message, then the fields as key=value', () => {
    const line = readableLogLine(pinoLine((log) => log.info({ address: 'http://127.0.0.1:8000', maxInstances: 2, note: 'two words' }, 'scaleface is up')));
    assert.match(line, /^\d\d:\d\d:\d\d INFO  web: scaleface is up address=http:\/\/127\.0\.0\.1:8000 maxInstances=2 note="two words"\n$/);
  });

  test("an error's message is a field and its stack follows on its own lines", () => {
    const line = readableLogLine(pinoLine((log) => log.error({ err: new Error('disk full') }, 'write failed')));
    assert.match(line, /^\d\d:\d\d:\d\d ERROR web: write failed err="disk full"\n\s+at /);
  });

  test('auto is readable on a terminal only; pretty and json force one', () => {
    assert.deepEqual(
      [readableLogs('auto', true), readableLogs('auto', false), readableLogs('pretty', false), readableLogs('json', true)],
      [true, false, true, false],
    );
  });
});

async function requestCompletedLines(env: NodeJS.ProcessEnv): Promise<{ lines: string[]; completed: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sf-log-format-'));
  const up = await startUp(['--data-dir', dataDir], cleanEnv({ SCALEFACE_MIN_INSTANCES: '0', ...env }));
  try {
    for (let i = 0; i < 3; i += 1) assert.equal((await fetch(new URL('/healthz', up.url))).status, 200);
    await waitUntil('the service logged its start', () => /scaleface is up/.test(up.stdout()), 30_000);
    if (env.SCALEFACE_LOG_LEVEL === 'debug') await waitUntil('three request lines', () => up.stdout().split('request completed').length > 3, 30_000);
  } finally {
    await up.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const lines = up.stdout().split('\n').filter(Boolean);
  return { lines, completed: lines.filter((line) => line.includes('request completed')).length };
}

describe('scaleface up logs', () => {
  test('to a pipe: JSON lines, and no line per request at the default level', async () => {
    const { lines, completed } = await requestCompletedLines({});
    assert.ok(lines.length > 0);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line}`);
    assert.equal(completed, 0, lines.join('\n'));
  });

  test('at debug: one line per request; SCALEFACE_LOG_FORMAT=pretty makes them readable on a pipe too', async () => {
    const { lines, completed } = await requestCompletedLines({ SCALEFACE_LOG_LEVEL: 'debug', SCALEFACE_LOG_FORMAT: 'pretty' });
    assert.ok(completed >= 3, lines.join('\n'));
    assert.ok(lines.some((line) => /^\d\d:\d\d:\d\d DEBUG web: request completed traceId=\S+ method=GET url=\/healthz statusCode=200 ms=\d+$/.test(line)), lines.join('\n'));
    assert.ok(lines.every((line) => !line.startsWith('{')), lines.join('\n'));
  });

  test('on a terminal: readable lines without being asked', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sf-log-tty-'));
    const command = `exec ${process.execPath} ${CLI} up --port 0 --data-dir ${dataDir}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitUntil('up logged its start on the terminal', () => /scaleface is up/.test(output), 60_000);
      const line = output.split(/\r?\n/).find((l) => l.includes('scaleface is up'))!;
      assert.match(line, /^\d\d:\d\d:\d\d INFO  up: scaleface is up address=http:\/\/127\.0\.0\.1:\d+ /);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
