import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@publisher/dev-infra';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { API, editor, recordBody, tokenFor } from './helpers.ts';

const serverScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server.ts');

/**
 * Waits for the server to answer /health. The bound is generous: compiling the sources with tsx on
 * a loaded 2-core machine has taken over 30 s, and a start is not what this file measures.
 */
async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  await waitUntil('the server to answer /health', async () => (await fetch(`${base}/health`)).ok, {
    timeoutMs: 120_000,
    intervalMs: 100,
    giveUpIf: () => child.exitCode !== null && `it exited with ${child.exitCode}`,
  });
}

t.test('SIGTERM: the in-flight request finishes, then the process exits cleanly', async (t) => {
  const db = await createTestDatabase('command_api_shutdown');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', serverScript], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      COMMAND_API_PORT: String(port),
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '10000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const locker = new pg.Client({ connectionString: db.url });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await locker.end().catch(() => {});
    await db.drop();
  });
  await waitForHealth(base, child);
  const headers = { authorization: `Bearer ${tokenFor(editor)}`, 'content-type': 'application/json' };

  const created = await fetch(`${base}${API}/publishing-records/`, {
    method: 'POST',
    headers,
    body: JSON.stringify(recordBody()),
  });
  t.equal(created.status, 201);
  const id = ((await created.json()) as { data: { id: string } }).data.id;

  // Hold the stream's row so the next command is stuck inside its append.
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT 1 FROM event_store.streams WHERE stream = $1 FOR UPDATE', [`publishing_record-${id}`]);
  const inFlight = fetch(`${base}${API}/publishing-records/${id}/start`, { method: 'POST', headers });
  await waitUntil(
    'the command to wait for the held row',
    async () => {
      const { rows } = await locker.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
      );
      return rows[0].n > 0;
    },
    { timeoutMs: 10_000 },
  );

  child.kill('SIGTERM');
  await waitUntil(
    'no new connections once closing',
    () =>
      fetch(`${base}/health`).then(
        () => false,
        () => true,
      ),
    { timeoutMs: 10_000 },
  );
  t.equal(child.exitCode, null, 'still running: the in-flight command holds the exit');
  await locker.query('COMMIT');

  const res = await inFlight;
  t.equal(res.status, 200, 'the in-flight command completed');
  t.match(await res.json(), { success: true, data: { status: 'publishing', revision: 1 } });
  t.equal(await exited, 0, 'clean exit');
  const { rows } = await locker.query('SELECT count(*)::int AS n FROM event_store.events WHERE stream = $1', [
    `publishing_record-${id}`,
  ]);
  t.equal(rows[0].n, 2, 'both events stored, nothing half-done');
});
