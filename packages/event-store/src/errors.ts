import { errorCode } from '@publisher/coordination';
import type { ErrorCode } from '@publisher/platform';
import type { ExpectedRevision } from './port.ts';

/** The stream was not at the expected revision. `actual` is the stream's last revision, or 'no_stream'. */
export class WrongExpectedVersionError extends Error {
  // Codes that reach a client are the platform's (`satisfies`: a misspelt one does not compile).
  readonly code = 'WRONG_EXPECTED_VERSION' satisfies ErrorCode;
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** The store could not be reached or failed for a reason that a later retry may fix (maps to 503). */
export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE' satisfies ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/**
 * An appended event id is already stored elsewhere (another stream, or other events of this
 * stream), or repeats within one append. Event ids are unique across the store because consumers
 * dedupe by event id alone. A re-sent append whose ids all match the original is NOT this error:
 * it returns the original result.
 */
export class DuplicateEventIdError extends Error {
  // Not a client's error (event ids are made by the service): not an `ErrorCode`, so a 500.
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly stream: string,
    readonly ids: string[],
  ) {
    super(`stream ${stream}: event id(s) already used: ${ids.join(', ')}`);
    this.name = 'DuplicateEventIdError';
  }
}

/**
 * The group-commit queue already holds its byte budget of appends waiting for PostgreSQL: the
 * store is falling behind, and waiting longer would only grow memory and latency. Retry later (503).
 */
export class AppendQueueFullError extends Error {
  readonly code = 'APPEND_QUEUE_FULL' satisfies ErrorCode;
  constructor(readonly queuedBytes: number) {
    super(`the event store's append queue is full (${queuedBytes} bytes waiting); retry later`);
    this.name = 'AppendQueueFullError';
  }
}

export function isWrongExpectedVersion(err: unknown): err is WrongExpectedVersionError {
  return err instanceof Error && errorCode(err) === 'WRONG_EXPECTED_VERSION';
}

export function isEventStoreUnavailable(err: unknown): err is EventStoreUnavailableError {
  return err instanceof Error && errorCode(err) === 'EVENT_STORE_UNAVAILABLE';
}
