import { errorCode } from '@publisher/coordination';
import type { RecordedEvent } from '@publisher/event-store';

/**
 * An event the projection cannot apply (unknown type, invalid payload, an event for a record that
 * does not exist). It stops the projection at that event; nothing after it is applied.
 */
export class PoisonEventError extends Error {
  readonly code = 'PROJECTION_POISON_EVENT';
  readonly event_id: string;
  readonly event_type: string;
  readonly position: string;
  readonly stream: string;
  constructor(
    event: Pick<RecordedEvent, 'id' | 'type' | 'position' | 'stream'>,
    readonly reason: string,
  ) {
    super(`cannot project event ${event.id} (${event.type}) at position ${event.position}: ${reason}`);
    this.name = 'PoisonEventError';
    this.event_id = event.id;
    this.event_type = event.type;
    this.position = event.position;
    this.stream = event.stream;
  }
}

/** Another writer moved the checkpoint (a rebuild swap, or a second instance): start over from it. */
export class CheckpointMovedError extends Error {
  readonly code = 'PROJECTION_CHECKPOINT_MOVED';
  constructor(
    readonly expected: string | null,
    readonly projection: string,
  ) {
    super(`checkpoint of ${projection} is no longer at ${String(expected)}`);
    this.name = 'CheckpointMovedError';
  }
}

/** The session holding the projection's advisory lock ended: stop writing at once. */
export class LeadershipLostError extends Error {
  readonly code = 'PROJECTION_LEADERSHIP_LOST';
  constructor(options?: { cause?: unknown }) {
    super('lost the projection lock (its database session ended)', options);
    this.name = 'LeadershipLostError';
  }
}

/** A rebuild could not finish; the live read models were not touched. */
export class RebuildFailedError extends Error {
  readonly code = 'PROJECTION_REBUILD_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RebuildFailedError';
  }
}

export function isPoisonEvent(err: unknown): err is PoisonEventError {
  return err instanceof Error && errorCode(err) === 'PROJECTION_POISON_EVENT';
}
