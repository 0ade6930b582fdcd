/**
 * Error codes of the publishing worker.
 *
 * | code | meaning | what the worker does |
 * |---|---|---|
 * | `WORKER_CONFIG_INVALID` | an environment variable has a bad value | refuses to start |
 * | `DELIVERY_FAILED` | the destination refused the content, timed out or answered nonsense | records `fail` with the message |
 * | `COMMAND_API_UNAVAILABLE` | the command API did not answer (network, 5xx, 429) within the retry budget | leaves the Kafka message uncommitted; it is redelivered |
 * | `COMMAND_API_REJECTED` | the command API refused the worker (401/403/400): a configuration problem | same: redelivered until fixed, never skipped |
 */
export type WorkerErrorCode =
  | 'WORKER_CONFIG_INVALID'
  | 'DELIVERY_FAILED'
  | 'COMMAND_API_UNAVAILABLE'
  | 'COMMAND_API_REJECTED';

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

export function isWorkerError(err: unknown, code?: WorkerErrorCode): err is WorkerError {
  return err instanceof WorkerError && (code === undefined || err.code === code);
}
