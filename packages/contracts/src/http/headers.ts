import { type Static, Type } from 'typebox';
import { PATTERN_MESSAGE } from './common.ts';

/**
 * Request headers the command API understands. Header names are lower case (as Node gives them);
 * other headers are allowed.
 *
 * - `if-match`: the record revision the client last saw (`"3"`, `3` or `*`); a mismatch → 412.
 * - `idempotency-key`: on creates, replays the original response for the same key and body.
 * - `x-correlation-id`: flows into event metadata (defaults to the request id).
 */
/**
 * What the command API accepts in `If-Match`: `*`, or a comma-separated list of revisions, each
 * quoted (both quotes) or bare, optionally weak (`W/"3"`, which never matches). Declared in the schema so
 * the OpenAPI document says exactly what is accepted.
 */
export const IF_MATCH_PATTERN =
  '^\\s*(\\*|(W/)?("[0-9]{1,15}"|[0-9]{1,15})(\\s*,\\s*(W/)?("[0-9]{1,15}"|[0-9]{1,15}))*)\\s*$';

/** What a malformed `If-Match` is told, wherever it is refused. */
export const IF_MATCH_MESSAGE = 'must be "*" or revisions such as "3" (comma-separated)';

/** A header value that is one token: printable ASCII, no spaces. */
const HeaderToken = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x21-\\x7e]+$',
  [PATTERN_MESSAGE]: 'must be printable ASCII without spaces',
});

export const CommandHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: IF_MATCH_PATTERN,
      [PATTERN_MESSAGE]: IF_MATCH_MESSAGE,
    }),
  ),
  'x-correlation-id': Type.Optional(HeaderToken),
});
export type CommandHeaders = Static<typeof CommandHeaders>;

export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(HeaderToken),
  'x-correlation-id': Type.Optional(HeaderToken),
});
export type CreateHeaders = Static<typeof CreateHeaders>;
