import type { SupportCommand } from '../command.ts';
import { accessLog } from './access-log.ts';
import { asOf } from './as-of.ts';
import { audit } from './audit.ts';
import { deadLetters } from './dead-letters.ts';
import { history } from './history.ts';
import { redeliver } from './redeliver.ts';
import { relay } from './relay.ts';
import { republish } from './republish.ts';
import { snapshot } from './snapshot.ts';

/**
 * Every `pnpm support` command, in the order `--help` lists them. One file per command in this
 * folder; add it here.
 */
export const commands: readonly SupportCommand[] = [
  history,
  asOf,
  audit,
  accessLog,
  snapshot,
  republish,
  redeliver,
  deadLetters,
  relay,
];
