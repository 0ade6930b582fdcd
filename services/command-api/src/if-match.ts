import { IF_MATCH_MESSAGE } from '@publisher/contracts';
import { httpError } from '@publisher/platform';

/** A parsed `If-Match` header: `*` or the set of revisions the client accepts. */
export type IfMatch = { any: true } | { any: false; revisions: ReadonlySet<number> };

/**
 * Parses `If-Match` (`"3"`, `3`, `"3", "4"` or `*`). Weak tags (`W/"3"`) never match, as RFC 9110
 * requires strong comparison; anything else malformed is a 400.
 * @example
 * parseIfMatch('"3"') // { any: false, revisions: Set {3} }
 */
export function parseIfMatch(value: string | undefined): IfMatch | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '*') return { any: true };
  const revisions = new Set<number>();
  for (const part of trimmed.split(',')) {
    const tag = part.trim();
    const m = /^(W\/)?"?(\d{1,15})"?$/.exec(tag);
    if (!m?.[2]) {
      throw httpError('INVALID_HEADER', `If-Match ${IF_MATCH_MESSAGE}`, {
        errors: { 'headers.if-match': [IF_MATCH_MESSAGE] },
      });
    }
    if (!m[1]) revisions.add(Number(m[2]));
  }
  return { any: false, revisions };
}

/** Does the record's current revision satisfy the precondition? */
export function ifMatchSatisfied(ifMatch: IfMatch, revision: number): boolean {
  return ifMatch.any || ifMatch.revisions.has(revision);
}
