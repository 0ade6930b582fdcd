import { httpError } from '@publisher/platform';

/**
 * Opaque page cursors: `next` and `previous` links carry one, naming the direction and the key of
 * the entry the page starts after. Clients pass them back as they are; anything else is a 400.
 */
export type CursorDirection = 'older' | 'newer';

export interface Cursor<Key extends readonly (string | number)[]> {
  direction: CursorDirection;
  key: Key;
}

/**
 * @example
 * encodeCursor({ direction: 'older', key: ['2024-05-01T00:00:00.000Z', '0000…-0000…'] }) // 'WyJvIiwiMjAy…'
 */
export function encodeCursor(cursor: Cursor<readonly (string | number)[]>): string {
  return Buffer.from(JSON.stringify([cursor.direction === 'older' ? 'o' : 'n', ...cursor.key])).toString('base64url');
}

/**
 * Decodes a cursor whose key has the given shape (`'string'` / `'number'` per element), or throws
 * 400 VALIDATION naming the `cursor` parameter.
 * @example
 * const c = decodeCursor(request.query.cursor, ['string', 'string']);
 */
export function decodeCursor<const Shape extends readonly ('string' | 'number')[]>(
  token: string,
  shape: Shape,
): Cursor<{ [I in keyof Shape]: Shape[I] extends 'number' ? number : string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length === shape.length + 1 &&
    (parsed[0] === 'o' || parsed[0] === 'n') &&
    shape.every((type, i) => typeof parsed[i + 1] === type);
  if (!valid) {
    throw httpError('VALIDATION', 'invalid cursor', {
      errors: { 'querystring.cursor': ['is not a cursor from a next or previous link of this list'] },
    });
  }
  const [direction, ...key] = parsed as [string, ...never[]];
  return { direction: direction === 'o' ? 'older' : 'newer', key } as never;
}
