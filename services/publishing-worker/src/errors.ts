/**
 * Error codes of the publishing worker.
 *
 * | code | meaning | what the worker does |
 * |---|---|---|
 * | `DELIVERY_FAILED` | the destination refused the content, timed out, was refused by the destination policy or answered nonsense | records `fail` with a short reason |
 * | `COMMAND_API_UNAVAILABLE` | the command API did not answer (network, 5xx, 429) within the retry budget | keeps the message (its offset is not committed) and tries it again with growing pauses |
 * | `COMMAND_API_REJECTED` | the command API refused the worker (401/403/400…): a configuration problem | same |
 * | `CLAIM_NOT_MADE` | a message's claim kept failing for CLAIM_HOLD_LIMIT_MS | dead-letters it; the record stays `pending` until the dead letter is replayed |
 * | `OUTCOME_NOT_RECORDED` | the destination answered but `succeed`/`fail` was not taken within its budget (or was refused) | dead-letters the message with the outcome; the record stays `publishing` for an operator |
 */
export type WorkerErrorCode =
  | 'DELIVERY_FAILED'
  | 'COMMAND_API_UNAVAILABLE'
  | 'COMMAND_API_REJECTED'
  | 'OUTCOME_NOT_RECORDED'
  | 'CLAIM_NOT_MADE';

export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkerError';
  }
}

/** A delivery that did not happen; `message` becomes the record's `error_message`. */
export class DeliveryError extends WorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DELIVERY_FAILED', message, options);
    this.name = 'DeliveryError';
  }
}

/** What the destination answered, which the command API did not take: the dead letter carries it. */
export type UnrecordedOutcome =
  | { outcome: 'published'; external_url: string; external_id: string | null }
  | { outcome: 'failed'; error: string };

/** The destination answered, but its outcome could not be recorded (see the table above). */
export class OutcomeNotRecordedError extends WorkerError {
  constructor(
    readonly recordId: string,
    readonly result: UnrecordedOutcome,
    cause: WorkerError,
  ) {
    super('OUTCOME_NOT_RECORDED', `outcome of ${recordId} not recorded: ${cause.message}`, { cause });
    this.name = 'OutcomeNotRecordedError';
  }
}

export function isWorkerError(err: unknown, code?: WorkerErrorCode): err is WorkerError {
  return err instanceof WorkerError && (code === undefined || err.code === code);
}
