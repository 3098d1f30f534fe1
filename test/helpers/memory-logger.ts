import type { LogFields, Logger } from '../../src/ports/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly msg: string;
}

/** A Logger that keeps its lines in `lines`, for tests that read what was logged. */
export function memoryLogger(lines: LogLine[] = []): Logger & { readonly lines: LogLine[] } {
  const at = (level: LogLevel) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
