/**
 * Replays: support re-drives that re-send what was already published, with the original event ids
 * and positions, marked `replay: true` and `replay-id` (packages/contracts, REPLAY_HEADERS).
 *
 * The relay runs them when it meets the request in the log, like any other event, so a replay is
 * as durable as relaying itself: the checkpoint only passes the request once every replayed message
 * was acknowledged, and a relay that dies half-way runs the whole replay again (at least once;
 * consumers dedupe by event id).
 */
import type { AccountRepublishRequested } from '@publisher/domain';
import type { EventStore, RecordedEvent } from '@publisher/event-store';
import { isRelayError } from './errors.ts';
import { mapRecordedEvent, type RelayMessage, toKafkaMessage } from './mapping.ts';

/** What replays need: the store to read from, the events support skipped, somewhere to warn. */
export interface ReplaySource {
  store: Pick<EventStore, 'readStream' | 'readAll'>;
  skipped: ReadonlySet<string>;
  /** Events per read of the global log during an account replay. */
  batchSize: number;
  warn?: (details: Record<string, unknown>, message: string) => void;
}

/** One replayed message and the topic (without prefix) it goes to. */
export interface ReplayMessage {
  topic: string;
  message: RelayMessage;
}

/**
 * A record's republish: the stream's events before the request (revision < `before`), each mapped
 * as when it was first relayed. Earlier republish requests are not re-sent (they are never
 * published), nor are events support skipped.
 * @example
 * for await (const m of replayStream(source, { stream, before: 5, replay_id })) send(m);
 */
export async function* replayStream(
  source: ReplaySource,
  request: { stream: string; before: number; replay_id: string },
): AsyncGenerator<ReplayMessage> {
  const events = await source.store.readStream(request.stream, { limit: request.before });
  for (const event of events) {
    if (event.revision >= request.before) break;
    const message = replayMessage(source, event, request.replay_id);
    if (message) yield message;
  }
}

/**
 * An account's republish: every public event of the account with a position in
 * `(from_position, to_position]` — and never past the request itself, since what follows it is
 * relayed anyway — read from the global log in order.
 */
export async function* replayAccount(
  source: ReplaySource,
  request: AccountRepublishRequested['data'],
  requestPosition: string,
): AsyncGenerator<ReplayMessage> {
  const end = request.to_position < requestPosition ? request.to_position : requestPosition;
  let after: string | null = request.from_position;
  for (;;) {
    const batch = await source.store.readAll({ after, limit: source.batchSize });
    for (const event of batch) {
      if (event.position > end) return;
      if (event.metadata.tenant.account_id !== request.account_id) continue;
      const message = replayMessage(source, event, request.replay_id);
      if (message) yield message;
    }
    // Only an empty read ends it: a short one can mean the store held back what it cannot yet order.
    const last = batch.at(-1);
    if (!last) return;
    after = last.position;
  }
}

/**
 * The replay of one stored event, or null when it is not re-sent: internal, skipped by support,
 * another replay request, or an event no relay could ever map (it was never published, so a replay
 * of what consumers could have received leaves it out, with a warning).
 */
function replayMessage(source: ReplaySource, event: RecordedEvent, replayId: string): ReplayMessage | null {
  if (source.skipped.has(event.id)) return null;
  try {
    const mapped = mapRecordedEvent(event);
    if (mapped.kind !== 'publish') return null;
    return { topic: mapped.topic, message: toKafkaMessage(mapped.event, replayId, event.metadata.traceparent) };
  } catch (err) {
    if (!isRelayError(err, 'RELAY_UNMAPPABLE_EVENT')) throw err;
    source.warn?.({ err, replay_id: replayId, event_id: event.id }, 'replay leaves out an event it cannot map');
    return null;
  }
}
