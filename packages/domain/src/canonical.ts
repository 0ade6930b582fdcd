/** `toISOString()`'s own form with months, days and times in range (days up to 28: valid in every month). */
const CANONICAL_TIME = /^(?!0000)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * A time in the one form a record keeps (UTC, milliseconds), so equal instants are equal strings
 * whatever form a writer sent and every reader of a stream folds the same record. A time already in
 * that form — what this repository's writers store — is returned as it is, without a Date round
 * trip (replays call this once per event). A string no Date reads is kept as it is: evolve is total.
 * @example
 * canonicalTime('2024-05-01T02:00:00+02:00') // '2024-05-01T00:00:00.000Z'
 */
export function canonicalTime(at: string): string {
  if (CANONICAL_TIME.test(at)) return at;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

/**
 * A record id in the one form a record keeps (lower case): a UUID may arrive in either case.
 * @example
 * canonicalId('0B5C…') // '0b5c…'
 */
export const canonicalId = (id: string): string => id.toLowerCase();
