import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { migrateCommandApi } from '../src/schema.ts';

const columnsOf = async (pool: pg.Pool, table: string) =>
  (
    await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'command_api' AND table_name = $1 ORDER BY column_name`,
      [table],
    )
  ).rows.map((r) => r.column_name);

t.test('a new database gets every table, and a second start applies nothing', async (t) => {
  const db = await createTestDatabase('command_api_schema');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  const runs = await Promise.all([migrateCommandApi(pool), migrateCommandApi(pool), migrateCommandApi(pool)]);
  t.same(runs.flat().sort(), [1, 2], 'concurrent start-ups apply each change once');
  t.same(await migrateCommandApi(pool), [], 'nothing left to apply');
  t.ok((await columnsOf(pool, 'idempotency_keys')).includes('response_ref'));
  t.same(await columnsOf(pool, 'sites'), ['account_id', 'created_at', 'site_id', 'source']);
});

t.test('a database from before the migrations table is adopted, its rows kept and its table completed', async (t) => {
  const db = await createTestDatabase('command_api_schema');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  // The idempotency table as its first version made it (no nonce, no response_ref), with a row.
  await pool.query(`CREATE SCHEMA command_api;
    CREATE TABLE command_api.idempotency_keys (account_id bigint NOT NULL, key text NOT NULL,
      request_hash text NOT NULL, state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
      status_code integer, response jsonb, headers jsonb, locked_until timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (account_id, key));
    INSERT INTO command_api.idempotency_keys (account_id, key, request_hash, state, locked_until)
      VALUES (1, 'k', 'h', 'completed', now())`);
  t.same(await migrateCommandApi(pool), [1, 2]);
  t.same(
    await columnsOf(pool, 'idempotency_keys'),
    [
      'account_id',
      'created_at',
      'headers',
      'key',
      'locked_until',
      'nonce',
      'request_hash',
      'response',
      'response_ref',
      'state',
      'status_code',
    ].sort(),
  );
  const { rows } = await pool.query('SELECT key, nonce IS NOT NULL AS has_nonce FROM command_api.idempotency_keys');
  t.same(rows, [{ key: 'k', has_nonce: true }], 'the row is kept and given a nonce');
});
