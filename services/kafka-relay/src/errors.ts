/**
 * Error codes of the Kafka relay.
 *
 * | code | meaning | what the relay does |
 * |---|---|---|
 * | `RELAY_UNMAPPABLE_EVENT` | an event of a public stream has no public mapping, or its mapping breaks the public schema | stops advancing (never skips it silently); /health reports it |
 * | `RELAY_CHECKPOINT_CONFLICT` | another relay moved the checkpoint (compare-and-set failed) | stops relaying and re-reads the checkpoint |
 * | `RELAY_ADMIN_REFUSED` | a support decision that would do harm (skip a mappable event, republish an empty log) | nothing recorded |
 */
export type RelayErrorCode = 'RELAY_UNMAPPABLE_EVENT' | 'RELAY_CHECKPOINT_CONFLICT' | 'RELAY_ADMIN_REFUSED';

export class RelayError extends Error {
  constructor(
    readonly code: RelayErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export function isRelayError(err: unknown, code?: RelayErrorCode): err is RelayError {
  return err instanceof RelayError && (code === undefined || err.code === code);
}
