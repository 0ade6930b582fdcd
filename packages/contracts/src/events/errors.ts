/**
 * Why a Kafka message could not be turned into a public event. Consumers route these to a
 * dead-letter topic (the code travels in a header) instead of retrying them for ever.
 *
 * | code | meaning |
 * |---|---|
 * | `EVENT_EMPTY_VALUE` | the message has no value (a tombstone or a broken producer) |
 * | `EVENT_INVALID_JSON` | the value is not UTF-8 JSON |
 * | `EVENT_UNKNOWN_TYPE` | `event_type` names no event this package knows |
 * | `EVENT_UNSUPPORTED_VERSION` | a known type in a `schema_version` this package does not know (upgrade the contracts) |
 * | `EVENT_SCHEMA_MISMATCH` | the value does not match its schema (`details` lists the paths) |
 * | `EVENT_KEY_MISMATCH` | the message key is not the event's `record_id` |
 * | `EVENT_HEADER_MISMATCH` | the `event-id` or `event-type` header contradicts the value |
 */
export type EventDecodeErrorCode =
  | 'EVENT_EMPTY_VALUE'
  | 'EVENT_INVALID_JSON'
  | 'EVENT_UNKNOWN_TYPE'
  | 'EVENT_UNSUPPORTED_VERSION'
  | 'EVENT_SCHEMA_MISMATCH'
  | 'EVENT_KEY_MISMATCH'
  | 'EVENT_HEADER_MISMATCH';

/** A decoding failure as data: consumers branch on `code`, log `message`, keep `details` for humans. */
export interface EventDecodeError {
  code: EventDecodeErrorCode;
  message: string;
  /** Schema errors as `"/path: message"` lines (at most 10). */
  details?: string[];
}
