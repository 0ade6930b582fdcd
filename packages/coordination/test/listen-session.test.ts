import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { openListenSession } from '../src/index.ts';

const database = await createTestDatabase('listen_session');
t.teardown(database.drop);
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
pool.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
t.teardown(() => pool.end());

/** How long the waits below poll. */
const patience = { timeoutMs: 10_000 };

t.test('hears its channel, comes back after its connection is killed, and stops on close', async (t) => {
  const heard: string[] = [];
  const lost: number[] = [];
  let listened = 0;
  const session = openListenSession({
    client: { connectionString: database.url, application_name: 'listen-session-test' },
    channel: 'test_changes',
    onNotification: (payload) => heard.push(payload),
    onListening: () => listened++,
    onLost: (_err, retryInMs) => lost.push(retryInMs),
  });
  t.teardown(() => session.close());
  await waitUntil('LISTEN', () => session.listening, patience);
  t.equal(listened, 1);

  await pool.query(`SELECT pg_notify('test_changes', 'one'), pg_notify('other_channel', 'not ours')`);
  await waitUntil('the notification', () => heard.length === 1, patience);
  t.same(heard, ['one'], 'its own channel only');

  await pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listen-session-test'`,
  );
  await waitUntil('the loss', () => lost.length === 1, patience);
  t.ok(lost[0]! >= 0 && lost[0]! <= 100, 'the first retry comes within the first backoff step');
  await waitUntil('LISTEN again', () => listened === 2 && session.listening, patience);
  await pool.query(`SELECT pg_notify('test_changes', 'two')`);
  await waitUntil('the notification after the reconnect', () => heard.length === 2, patience);
  t.same(heard, ['one', 'two']);

  await session.close();
  t.notOk(session.listening);
  await waitUntil(
    'its connection gone',
    async () => {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'listen-session-test'`,
      );
      return rows[0].n === 0;
    },
    patience,
  );
  await pool.query(`SELECT pg_notify('test_changes', 'three')`);
  await sleep(200);
  t.same(heard, ['one', 'two'], 'nothing heard once closed');
});

t.test('a server it cannot reach is retried until closed, without throwing', async (t) => {
  const lost: unknown[] = [];
  const session = openListenSession({
    client: { host: '127.0.0.1', port: 1, connectionTimeoutMillis: 500 },
    channel: 'test_changes',
    onNotification: () => {},
    onLost: (err) => lost.push(err),
  });
  await waitUntil('two failed attempts', () => lost.length >= 2, patience);
  await session.close();
  const after = lost.length;
  await sleep(300);
  t.equal(lost.length, after, 'no attempt after close');
  t.notOk(session.listening);
});
