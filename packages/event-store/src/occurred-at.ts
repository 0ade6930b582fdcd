import type { RecordedEvent } from './port.ts';

/** Years 0001–9999: beyond them toISOString() writes forms PostgreSQL does not read. */
const FIRST_MS = -62_135_596_800_000;
const LAST_MS = 253_402_300_799_999;

/** `toISOString()`'s own form with months, days and times in range (days up to 28: valid in every month). */
const CANONICAL = /^(?!0000)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * When an event occurred, from its metadata's `occurred_at` (the command side's time), as a
 * canonical UTC ISO-8601 string (`2024-05-01T12:00:00.000Z`); the store's `recorded_at` when the
 * metadata holds no time it can read (missing, malformed, or outside years 1–9999). A time already
 * in canonical form — what every writer of this repository stores — is returned as it is, without
 * a Date round trip (readers of whole streams and replays call this once per event).
 * @example
 * occurredAt(recorded) // '2024-05-01T14:02:51.120Z'
 */
export function occurredAt(event: RecordedEvent): string {
  const value: unknown = (event.metadata as { occurred_at?: unknown } | null | undefined)?.occurred_at;
  if (typeof value === 'string') {
    if (CANONICAL.test(value)) return value;
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && ms >= FIRST_MS && ms <= LAST_MS) return new Date(ms).toISOString();
  }
  return event.recorded_at.toISOString();
}
