/**
 * `pnpm support <command>`: the support CLI (history, as-of, audit, re-drives, snapshot). See README.md.
 */
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
