import { IF_MATCH_MESSAGE } from '@publisher/contracts';
import { httpError } from '@publisher/platform';

/** A parsed `If-Match` header: `*` or the set of revisions the client accepts. */
export type IfMatch = { any: true } | { any: false; revisions: ReadonlySet<number> };

/**
 * Parses `If-Match` (`"3"`, `3`, `"3", "4"` or `*`). Tags compare strongly, as RFC 9110 requires:
 * weak tags (`W/"3"`) and other spellings of a revision (`"03"`) never match; unbalanced quotes
 * and anything else malformed are a 400.
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
    // Quotes balanced, or none (a bare revision is taken too).
    const m = /^(W\/)?("?)(\d{1,15})\2$/.exec(tag);
    if (!m?.[3]) {
      throw httpError('INVALID_HEADER', `If-Match ${IF_MATCH_MESSAGE}`, {
        errors: { 'headers.if-match': [IF_MATCH_MESSAGE] },
      });
    }
    // Compared as strings, as tags are: `"08"` is a tag no revision has (the ETag of 8 is `"8"`).
    if (!m[1] && /^(0|[1-9]\d*)$/.test(m[3])) revisions.add(Number(m[3]));
  }
  return { any: false, revisions };
}

/** Does the record's current revision satisfy the precondition? */
export function ifMatchSatisfied(ifMatch: IfMatch, revision: number): boolean {
  return ifMatch.any || ifMatch.revisions.has(revision);
}
