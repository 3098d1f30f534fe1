import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';

/** The fields every line has, shown in a readable line's head rather than as key=value pairs. */
const HEAD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'component', 'msg']);

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * One pino JSON line as a person reads it: `14:03:07 INFO  web: request refused code=INVALID_INPUT ...`; an error's
 * stack follows on its own lines. A line that is not JSON is passed on as it came.
 */
export function readableLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--';
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    const error = value as { message?: unknown; stack?: unknown } | null;
    if (key === 'err' && typeof error === 'object' && error !== null && typeof error.message === 'string') {
      fields.push(`err=${fieldText(error.message)}`);
      if (typeof error.stack === 'string') stack = `\n${error.stack.split('\n').slice(1).join('\n')}`;
      continue;
    }
    fields.push(`${key}=${fieldText(value)}`);
  }
  const head = `${time} ${level} ${String(entry.component ?? '')}: ${String(entry.msg ?? '')}`;
  return `${[head, ...fields].join(' ')}${stack}\n`;
}

/** `auto` is readable lines on a terminal (a person is watching) and JSON lines otherwise (a collector reads them). */
export function readableLogs(format: Config['logFormat'], stdoutIsTerminal: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal);
}

/**
 * Logs (pino) to stdout, JSON lines or readable ones (`logFormat`); every line carries the component (`web`,
 * `autoscaler`, a worker's name). One line per request is logged at debug only: at info a load of 1000 images
 * wrote 1498 lines.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, component: string): Logger {
  const options = { level: config.logLevel, base: { component, pid: process.pid } };
  if (!readableLogs(config.logFormat, process.stdout.isTTY === true)) return pino(options);
  return pino(options, { write: (line: string) => process.stdout.write(readableLogLine(line)) });
}

export type { Logger };
