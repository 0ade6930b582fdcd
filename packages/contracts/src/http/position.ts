import { Type } from 'typebox';
import { PATTERN_MESSAGE } from './common.ts';

/** A position token's syntax: two 64-bit integers in hex (the event store's `Position`). */
export const POSITION_PATTERN = '^[0-9a-f]{16}-[0-9a-f]{16}$';

/** A position in the event log, as command responses carry it in `X-Position`. */
export const Position = Type.String({
  pattern: POSITION_PATTERN,
  [PATTERN_MESSAGE]: 'must be a position as a command response’s X-Position header carries it',
  description: 'a position in the event log, as a command response’s X-Position header carries it',
});
