/**
 * Client errors → port errors. Anything a retry may fix (the node is unreachable, busy, not the
 * leader, or the call ran out of time) becomes EventStoreUnavailableError (503 at the HTTP edge).
 */
import { ErrorType, isCommandError } from '@eventstore/db-client';
import { errorCode, errorMessage } from '@publisher/coordination';
import { EventStoreUnavailableError } from '../errors.ts';

const RETRYABLE = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

/** gRPC status codes that mean "not reachable now": UNAVAILABLE (14), DEADLINE_EXCEEDED (4). */
const RETRYABLE_GRPC_CODES = new Set([14, 4]);

function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (isCommandError(err)) return RETRYABLE.has(err.type);
  const code = errorCode(err);
  if (typeof code === 'number' && RETRYABLE_GRPC_CODES.has(code)) return true;
  // Raised by the client's cluster discovery when no node answers gossip.
  return err.message.startsWith('Failed to discover');
}

/** Returns the error to throw for a failed client call. */
export function mapEsdbError(err: unknown, operation: string): unknown {
  if (!isRetryable(err)) return err;
  const reason = errorMessage(err);
  return new EventStoreUnavailableError(`EventStoreDB ${operation} failed: ${reason}`, { cause: err });
}
