import type { EventDecodeError } from './errors.ts';
import { type IntegrationEvent, type ValidationResult, validateIntegrationEvent } from './registry.ts';
import { EVENT_HEADERS, REPLAY_HEADERS } from './topics.ts';

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** The parts of a kafkajs `KafkaMessage` the decoder reads (structural, so no kafkajs dependency). */
export interface KafkaMessageLike {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue>;
}

/**
 * A header as a string (the first value when repeated), or undefined.
 * @example headerString(message.headers, 'event-id')
 */
export function headerString(headers: Record<string, HeaderValue> | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/**
 * The replay a message belongs to, or null for a first delivery (see `REPLAY_HEADERS`).
 * @example
 * const replay = replayOf(message);
 * if (replay) log.info({ replay_id: replay.replay_id }, 'replayed event');
 */
export function replayOf(message: Pick<KafkaMessageLike, 'headers'>): { replay_id: string } | null {
  if (headerString(message.headers, REPLAY_HEADERS.replay) !== 'true') return null;
  return { replay_id: headerString(message.headers, REPLAY_HEADERS.replayId) ?? '' };
}

/**
 * Decodes and validates one Kafka message into a typed public event. Never throws: a message that
 * cannot be trusted comes back as `{ ok: false, error: { code, message } }` (codes in errors.ts),
 * ready for a dead-letter topic.
 *
 * @example
 * await consumer.run({
 *   eachMessage: async ({ message }) => {
 *     const decoded = decodeEventMessage(message);
 *     if (!decoded.ok) return sendToDeadLetter(message, decoded.error);
 *     if (decoded.event.event_type === 'publisher.publishing_record.published') notify(decoded.event.data.external_url);
 *   },
 * });
 */
export function decodeEventMessage(message: KafkaMessageLike): ValidationResult<IntegrationEvent> {
  if (message.value === null || message.value.length === 0) {
    return failure({ code: 'EVENT_EMPTY_VALUE', message: 'message has no value' });
  }
  let parsed: unknown;
  try {
    const text =
      typeof message.value === 'string'
        ? message.value
        : new TextDecoder('utf-8', { fatal: true }).decode(message.value);
    parsed = JSON.parse(text);
  } catch (err) {
    return failure({
      code: 'EVENT_INVALID_JSON',
      message: `value is not UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  const result = validateIntegrationEvent(parsed);
  if (!result.ok) return result;
  const event = result.event;

  const key = message.key == null ? undefined : message.key.toString();
  if (key !== undefined && key !== event.record_id) {
    return failure({ code: 'EVENT_KEY_MISMATCH', message: `key ${key} is not record_id ${event.record_id}` });
  }
  const idHeader = headerString(message.headers, EVENT_HEADERS.eventId);
  const typeHeader = headerString(message.headers, EVENT_HEADERS.eventType);
  if (
    (idHeader !== undefined && idHeader !== event.event_id) ||
    (typeHeader !== undefined && typeHeader !== event.event_type)
  ) {
    return failure({ code: 'EVENT_HEADER_MISMATCH', message: 'event-id or event-type header contradicts the value' });
  }
  return result;
}

function failure(error: EventDecodeError): { ok: false; error: EventDecodeError } {
  return { ok: false, error };
}
