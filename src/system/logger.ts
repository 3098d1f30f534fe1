import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';

/** Structured JSON logs (pino) to stdout; every line carries the component (`web`, `autoscaler`, a worker's name). */
export function createLogger(config: Pick<Config, 'logLevel'>, component: string): Logger {
  return pino({ level: config.logLevel, base: { component, pid: process.pid } });
}

export type { Logger };
