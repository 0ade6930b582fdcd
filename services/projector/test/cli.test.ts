/**
 * The rebuild and admin CLIs as an operator runs them, in a real process: a bad setting ends them as
 * it ends a service (one line naming the variable, exit code 2), any other failure with its message
 * and 1, and a command that is done exits 0.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';

/** Runs `src/<file> <args>` with `env` on top of this process's (without its DATABASE_URL); resolves how it ended. */
async function run(file: string, args: string[], env: Record<string, string>) {
  const { DATABASE_URL: _, ...inherited } = process.env;
  const cli = fileURLToPath(new URL(`../src/${file}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

t.test('a bad setting: one line naming it, exit code 2', async (t) => {
  for (const [file, name, args] of [
    ['rebuild-cli.ts', 'projector:rebuild', []],
    ['admin-cli.ts', 'projector:admin', ['status']],
  ] as const) {
    const { code, stderr } = await run(file, [...args], {});
    t.equal(code, 2, `${name} exits 2`);
    t.match(stderr.trim(), new RegExp(`^${name}: DATABASE_URL is required[^\\n]*$`), `${name}: one line, no stack`);
  }
});

t.test('admin: a command done exits 0 with its answer, bad usage exits 1 with its message', async (t) => {
  const db = await createTestDatabase('projector_cli');
  t.teardown(db.drop);
  const status = await run('admin-cli.ts', ['status'], { DATABASE_URL: db.url });
  t.equal(status.code, 0);
  t.match(JSON.parse(status.stdout), { position: null });
  const usage = await run('admin-cli.ts', ['skip'], { DATABASE_URL: db.url });
  t.equal(usage.code, 1);
  t.equal(usage.stderr.trim(), 'usage: skip <event-id> --reason <text> [--by <name>]');
  const skip = ['skip', '00000000-0000-4000-8000-000000000001', '--reason', 'ticket 9'];
  const nobody = await run('admin-cli.ts', skip, { DATABASE_URL: db.url, USER: '', LOGNAME: '' });
  t.equal(nobody.code, 1, 'no --by and no $USER or $LOGNAME: refused');
  t.equal(nobody.stderr.trim(), '--by <your name> is required (no $USER or $LOGNAME to default to)');
  const logname = await run('admin-cli.ts', skip, { DATABASE_URL: db.url, USER: '', LOGNAME: 'ann' });
  t.equal(logname.code, 0, logname.stderr);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query('SELECT skipped_by FROM read_model_control.skipped_events');
  t.same(rows, [{ skipped_by: 'ann' }], 'recorded as $LOGNAME');
});
