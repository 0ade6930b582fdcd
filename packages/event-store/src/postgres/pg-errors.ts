import { EventStoreUnavailableError } from '../errors.ts';

/** Socket-level error codes meaning "the server cannot be reached right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs a later retry may fix: connection exceptions (08), admin/crash shutdown and
 * "starting up" (57P01-57P03), query cancelled by statement_timeout (57014), insufficient
 * resources such as too many connections or a full disk (53), system errors (58), and a session
 * ended by idle_in_transaction_session_timeout (25P03).
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('58') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '57014' ||
    code === '25P03'
  );
}

/** node-postgres reports some connection failures only through their message. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection terminated unexpectedly',
  'connect ECONNREFUSED',
  'Query read timeout',
];

/** True when `err` means PostgreSQL is unreachable or unavailable, rather than a bad request. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isTransientSqlState(code))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return CONNECTION_MESSAGES.some((m) => err.message.includes(m));
}

/** Wraps connection-level failures in EventStoreUnavailableError (→ 503); returns others unchanged. */
export function toStoreError(err: unknown, operation: string): unknown {
  if (isConnectionError(err)) {
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
