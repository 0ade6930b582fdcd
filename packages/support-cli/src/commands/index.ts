import type { SupportCommand } from '../command.ts';
import { deadLetters } from './dead-letters.ts';
import { redeliver } from './redeliver.ts';
import { relay } from './relay.ts';
import { republish } from './republish.ts';

/**
 * Every `pnpm support` command, in the order `--help` lists them. One file per command in this
 * folder; add it here.
 */
export const commands: readonly SupportCommand[] = [republish, redeliver, deadLetters, relay];
