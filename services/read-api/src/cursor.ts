import { isPosition } from '@publisher/event-store';
import { isUuid } from '@publisher/platform/ids';
import { packCursor, unpackCursor } from '@publisher/read-model';
import { invalidCursor } from './errors.ts';

/**
 * Opaque page cursors: `next` and `previous` links carry one, naming the direction and the key of
 * the entry the page starts after. Clients pass them back as they are; anything else is a 400.
 */
type CursorDirection = 'older' | 'newer';

export interface Cursor<Key extends readonly unknown[]> {
  direction: CursorDirection;
  key: Key;
}

/**
 * @example
 * encodeCursor({ direction: 'older', key: ['2024-05-01T00:00:00.000Z', '0000…-0000…'] }) // 'WyJvIiwiMjAy…'
 */
export function encodeCursor(cursor: Cursor<readonly (string | number)[]>): string {
  return packCursor([cursor.direction === 'older' ? 'o' : 'n', ...cursor.key]);
}

/** Checks one element of a cursor's key. */
export type KeyCheck<T> = (value: unknown) => value is T;

/** An ISO-8601 time, as the API writes them. */
export const isTime: KeyCheck<string> = (v): v is string =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v) && !Number.isNaN(Date.parse(v));

/** A log position token (the event store's syntax, which the contracts' `Position` declares too). */
export const isPositionToken: KeyCheck<string> = (v): v is string => typeof v === 'string' && isPosition(v);

/** A positive safe integer (an id). */
export const isId: KeyCheck<number> = (v): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** A UUID in lower case, as the API writes them. */
export const isLowerCaseUuid: KeyCheck<string> = (v): v is string =>
  typeof v === 'string' && isUuid(v) && v === v.toLowerCase();

/** The key a list of checks accepts: the type each check guards, element by element. */
type CheckedKey<Checks extends readonly KeyCheck<unknown>[]> = {
  [I in keyof Checks]: Checks[I] extends KeyCheck<infer T> ? T : never;
};

function keyPasses<const Checks extends readonly KeyCheck<unknown>[]>(
  key: readonly unknown[],
  checks: Checks,
): key is CheckedKey<Checks> {
  return key.length === checks.length && checks.every((check, i) => check(key[i]));
}

/**
 * Decodes a cursor whose key passes the given checks, one per element, or throws 400 VALIDATION
 * naming the `cursor` parameter: a cursor is only ever one the API wrote.
 * @example
 * const c = decodeCursor(request.query.cursor, [isTime, isPositionToken]);
 */
export function decodeCursor<const Checks extends readonly KeyCheck<unknown>[]>(
  token: string,
  checks: Checks,
): Cursor<CheckedKey<Checks>> {
  const [direction, ...key] = unpackCursor(token) ?? [];
  if ((direction !== 'o' && direction !== 'n') || !keyPasses(key, checks)) {
    throw invalidCursor();
  }
  return { direction: direction === 'o' ? 'older' : 'newer', key };
}
