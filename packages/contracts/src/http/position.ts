import { Type } from 'typebox';
import { PATTERN_MESSAGE } from './common.ts';
import { POSITION_PATTERN } from './position-pattern.ts';

export { POSITION_PATTERN };

/** A position in the event log, as command responses carry it in `X-Position`. */
export const Position = Type.String({
  pattern: POSITION_PATTERN,
  [PATTERN_MESSAGE]: 'must be a position as a command response’s X-Position header carries it',
  description: 'a position in the event log, as a command response’s X-Position header carries it',
});
