import type { LoggerOptions } from 'pino';

/**
 * The pino options of a Publisher process: LOG_LEVEL, credentials redacted, and `service` on every
 * line (the same key in every service, so one query finds one service's lines). Its own module, so
 * the services without HTTP import it without loading Fastify.
 * @example
 * const log = pino(loggerOptions(config, 'command-api'));
 */
export function loggerOptions(config: { logLevel: string }, service?: string): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    ...(service && { base: { service, pid: process.pid } }),
  };
}
