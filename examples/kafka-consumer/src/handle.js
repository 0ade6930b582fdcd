// @ts-check
import { decodeEventMessage, headerString } from '@publisher/contracts';

/**
 * What this consumer does with one Kafka message: decode and validate it, skip it if its event was
 * handled before (redelivery or replay), else apply it to the consumer's view of the record.
 *
 * Replays: a support re-drive republishes a record's original events (same event_id, same position)
 * with the headers `replay: true` and `replay-id`. Dedupe by event id already does the right thing
 * (skip what was handled, handle what was missed); the one extra rule is that a replayed event is
 * older than what came after it, so it never moves a record's view backwards: the view keeps the
 * newest position it has seen (positions order by plain string comparison).
 *
 * @typedef {import('./state-store.js').State} State
 * @typedef {import('kafkajs').KafkaMessage} KafkaMessage
 * @typedef {'handled' | 'duplicate' | 'stale' | 'ignored' | 'parked'} Outcome
 */

/** Header names of a re-drive (sent by Publisher's relay; see docs/asyncapi.yaml). */
export const REPLAY_HEADER = 'replay';
export const REPLAY_ID_HEADER = 'replay-id';

/**
 * @param {State} state the consumer's state (changed in memory; the caller saves it)
 * @param {import('@publisher/contracts').EventDeduplicator} dedupe
 * @param {{ topic: string, partition: number, message: KafkaMessage }} delivery
 * @param {(entry: Record<string, unknown>) => void} log
 * @returns {Promise<Outcome>}
 */
export async function handleMessage(state, dedupe, { topic, partition, message }, log) {
  const decoded = decodeEventMessage(message);
  if (!decoded.ok) {
    // Tolerant reader: an event type this version of the package does not know is one Publisher
    // added later; it is skipped, not an error. Anything else cannot be trusted: it is parked for a
    // human (a real consumer sends it to deadLetterTopic(topic) with the code in a header).
    if (decoded.error.code === 'EVENT_UNKNOWN_TYPE') {
      state.counts.ignored += 1;
      return 'ignored';
    }
    state.parked.push({
      topic,
      partition,
      offset: message.offset,
      code: decoded.error.code,
      message: decoded.error.message,
    });
    state.counts.parked += 1;
    log({ level: 'warn', msg: 'message parked', topic, partition, offset: message.offset, code: decoded.error.code });
    return 'parked';
  }
  const event = decoded.event;
  const replay = headerString(message.headers, REPLAY_HEADER) === 'true';
  if (replay) {
    state.counts.replays += 1;
    log({
      level: 'info',
      msg: 'replayed event',
      event_id: event.event_id,
      replay_id: headerString(message.headers, REPLAY_ID_HEADER),
    });
  }

  const outcome = await dedupe.once(event.event_id, async () => apply(state, event));
  if (outcome.duplicate) {
    state.counts.duplicates += 1;
    return 'duplicate';
  }
  state.counts.handled += 1;
  if (outcome.result === 'stale') state.counts.stale += 1;
  return outcome.result;
}

/**
 * The consumer's effect: the newest known status of each record.
 * @param {State} state
 * @param {import('@publisher/contracts').IntegrationEvent} event
 * @returns {Promise<'handled' | 'stale'>}
 */
async function apply(state, event) {
  const known = state.records[event.record_id];
  if (known && known.position >= event.position) return 'stale';
  const status =
    event.event_type === 'publisher.publishing_record.deleted'
      ? 'deleted'
      : 'status' in event.data
        ? event.data.status
        : (known?.status ?? 'unknown');
  state.records[event.record_id] = {
    status,
    position: event.position,
    event_type: event.event_type,
    occurred_at: event.occurred_at,
  };
  return 'handled';
}
