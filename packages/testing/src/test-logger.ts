import { type Logger, pino } from 'pino';

/**
 * A logger for a service run inside a test: silent unless TEST_LOG_LEVEL asks for logs.
 * @example
 * const relay = await start({ ...options, logger: testLogger('relay') });
 */
export function testLogger(name: string): Logger {
  return pino({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}
