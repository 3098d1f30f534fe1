/**
 * What every part of scaleface logs through: pino's shape (a pino or Fastify logger is one as it is), so the
 * composition roots hand their logger down and tests hand a recorder. An error goes in the `err` field as the
 * Error itself: pino's serializer writes its type, message, code and stack, and the readable format shows them.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  /** A logger whose every line also carries `bindings` (pino's child). */
  child?(bindings: LogFields): Logger;
}

/** Logs nothing: the default where a logger is optional. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
