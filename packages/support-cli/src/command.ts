import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from './api-client.ts';
import type { SupportCliConfig } from './config.ts';
import type { Output } from './output.ts';

/** Option values as `node:util` `parseArgs` returns them. */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** What a command gets: its parsed arguments, where to write, and the APIs it goes through. */
export interface CommandContext {
  positionals: string[];
  values: OptionValues;
  /** `--json`: machine-readable output (one JSON document, or JSON lines for streams of records). */
  json: boolean;
  out: Output;
  api: ApiClient;
  /** The CLI's settings from its environment (commands that work on the database or the broker need them). */
  config: SupportCliConfig;
}

/**
 * One `pnpm support <name>` command. Commands go through the public APIs with the caller's token,
 * so they follow exactly the rules the APIs apply (tenancy, roles, the access log).
 */
export interface SupportCommand {
  name: string;
  /** One line for `pnpm support --help`. */
  summary: string;
  /** Usage line(s) and a short description for `pnpm support <name> --help`. */
  usage: string;
  /** The command's own options (`--json`, `--help` and `--token` are common to all). */
  options?: ParseArgsConfig['options'];
  /** Resolves the process exit code: 0 done, 1 the API refused or failed, 2 bad usage. */
  run(ctx: CommandContext): Promise<number>;
}

/** Thrown by a command for bad usage; the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
