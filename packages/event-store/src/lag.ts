import { decodePosition, type EventStore, type Position } from './port.ts';

/** How far a reader that has handled the log up to a position is behind it, measured against the store. */
export interface LogLag {
  /** The newest position, readable yet or not (reported for people); null on an empty log. */
  head_position: Position | null;
  /** Age of the oldest readable event after the position; 0 when caught up. */
  lag_seconds: number;
  /** No readable event after the position: the visibility rule subscriptions follow. */
  caught_up: boolean;
}

/**
 * The lag of a reader at `after` (null: nothing handled yet): one indexed read of one event, and the
 * head. The projector's and the relay's lag metrics and health.
 * @example
 * const { lag_seconds, caught_up } = await measureLogLag(store, checkpoint);
 */
export async function measureLogLag(
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  after: Position | null,
): Promise<LogLag> {
  const [[oldest], head] = await Promise.all([store.readAll({ after, limit: 1 }), store.headPosition()]);
  if (!oldest) return { head_position: head, lag_seconds: 0, caught_up: true };
  const waited = (Date.now() - oldest.recorded_at.getTime()) / 1000;
  return { head_position: head, lag_seconds: Math.max(0, waited), caught_up: false };
}

/**
 * Events from `after` to `head` by the PostgreSQL store's sequence, uncapped (a rolled-back append
 * leaves a gap it counts). Meaningless with EventStoreDB, whose positions are not sequence numbers.
 * @example
 * sequenceDistance(null, head) // every event of the log, gaps included
 */
export function sequenceDistance(after: Position | null, head: Position): number {
  return Number(decodePosition(head).low - (after === null ? 0n : decodePosition(after).low));
}
