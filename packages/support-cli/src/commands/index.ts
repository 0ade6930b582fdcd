import type { SupportCommand } from '../command.ts';

/**
 * Every `pnpm support` command, in the order `--help` lists them. One file per command in this
 * folder; add it here.
 */
export const commands: readonly SupportCommand[] = [];
