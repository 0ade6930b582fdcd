import { isDatabaseUnavailable } from '@publisher/platform/database-errors';
import { EventStoreUnavailableError } from '../errors.ts';

/** Wraps connection-level failures in EventStoreUnavailableError (→ 503); returns others unchanged. */
export function toStoreError(err: unknown, operation: string): unknown {
  if (isDatabaseUnavailable(err)) {
    return new EventStoreUnavailableError(`event store unavailable during ${operation}`, { cause: err });
  }
  return err;
}

/**
 * The error of a pooled idle connection as it should be logged: pg-pool attaches the `client` to
 * it, and a logger's error serializer would then write the client's whole state (its socket,
 * parser, type tables …) into one log line.
 * @example
 * pool.on('error', (err) => logger.warn({ err: idleConnectionError(err) }, 'idle database connection lost'));
 */
export function idleConnectionError(err: Error): Error {
  if ('client' in err) delete (err as { client?: unknown }).client;
  return err;
}
