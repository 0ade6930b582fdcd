/**
 * `pnpm support <command>`: the support CLI (history, as-of, audit, re-drives, snapshot). See README.md.
 */
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';

// A reader that stops early (`pnpm --silent support history … | head`) closes the pipe: the rest of
// the output is not wanted, so the CLI stops there quietly, as Unix tools do, instead of dying on an
// unhandled EPIPE (a stack trace, exit 1) or going on to fetch pages nobody reads.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
