import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import {
  acquireLeadership,
  advisoryLock,
  advisoryLockKey,
  advisoryUnlock,
  tryAdvisoryLock,
  withAdvisoryXactLock,
} from '../src/index.ts';

const database = await createTestDatabase('advisory_lock');
t.teardown(database.drop);
const pool = new pg.Pool({ connectionString: database.url, max: 6 });
pool.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
t.teardown(() => pool.end());
const quiet = { info: () => {}, warn: () => {} };

async function session(t: Test, applicationName = 'advisory-lock-test'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));
  return client;
}

/** How long the waits below poll. */
const patience = { timeoutMs: 10_000 };

t.test('a name maps to one fixed pair of int4 keys, the pair pg_locks shows', async (t) => {
  const [classId, key] = advisoryLockKey('projection:read_models');
  t.same(advisoryLockKey('projection:read_models'), [classId, key], 'the same name, the same key');
  t.equal(advisoryLockKey('swap:read_models')[0], classId, 'one class for every name');
  t.not(advisoryLockKey('swap:read_models')[1], key, 'another name, another key');
  t.ok(Number.isInteger(key) && key >= -(2 ** 31) && key < 2 ** 31, 'an int4');

  const a = await session(t);
  t.ok(await tryAdvisoryLock(a, 'projection:read_models'));
  const { rows } = await a.query<{ classid: string; objid: string }>(
    `SELECT classid::bigint::text AS classid, objid::bigint::text AS objid FROM pg_locks
      WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 2`,
  );
  t.same(rows, [{ classid: String(classId), objid: String(key >>> 0) }]);
});

t.test('a session lock: a second session is refused until the first unlocks', async (t) => {
  const a = await session(t);
  const b = await session(t);
  t.equal(await tryAdvisoryLock(a, 'job'), true, 'a takes it');
  t.equal(await tryAdvisoryLock(b, 'job'), false, 'b is refused while a holds it');
  t.equal(await tryAdvisoryLock(b, 'other job'), true, 'another name is another lock');
  await advisoryUnlock(a, 'job');
  t.equal(await tryAdvisoryLock(b, 'job'), true, 'b takes it once a unlocked');

  // advisoryLock waits for the holder instead.
  let taken = false;
  const waiting = advisoryLock(a, 'job').then(() => {
    taken = true;
  });
  await sleep(200);
  t.equal(taken, false, 'a waits while b holds it');
  await advisoryUnlock(b, 'job');
  await waiting;
  t.equal(taken, true, 'a has it once b unlocked');
});

t.test('withAdvisoryXactLock runs concurrent callers of one name one at a time', async (t) => {
  const trace: string[] = [];
  const holdFor = (label: string, ms: number) => async (client: pg.PoolClient) => {
    trace.push(`${label} in`);
    await client.query('SELECT pg_sleep($1)', [ms / 1000]);
    trace.push(`${label} out`);
    return label;
  };
  const results = await Promise.all([
    withAdvisoryXactLock(pool, 'migrate:x', holdFor('first', 300)),
    (async () => {
      await sleep(50);
      return withAdvisoryXactLock(pool, 'migrate:x', holdFor('second', 10));
    })(),
  ]);
  t.same(results, ['first', 'second'], 'each caller gets its own result');
  t.same(trace, ['first in', 'first out', 'second in', 'second out'], 'the second waited for the first to commit');

  // Another name does not wait.
  trace.length = 0;
  await Promise.all([
    withAdvisoryXactLock(pool, 'migrate:x', holdFor('x', 300)),
    (async () => {
      await sleep(50);
      return withAdvisoryXactLock(pool, 'migrate:y', holdFor('y', 10));
    })(),
  ]);
  t.same(trace, ['x in', 'y in', 'y out', 'x out'], 'a lock of another name runs meanwhile');
});

t.test('withAdvisoryXactLock rolls back on a throw and frees the lock', async (t) => {
  await pool.query('CREATE TABLE IF NOT EXISTS marks (label text)');
  await t.rejects(
    withAdvisoryXactLock(pool, 'migrate:x', async (client) => {
      await client.query("INSERT INTO marks VALUES ('rolled back')");
      throw new Error('migration failed');
    }),
    { message: 'migration failed' },
  );
  t.equal((await pool.query('SELECT * FROM marks')).rowCount, 0, 'nothing of the failed transaction stays');
  const other = await session(t);
  t.equal(await tryAdvisoryLock(other, 'migrate:x'), true, 'the lock ended with the transaction');
});

t.test('leadership: one leader per name; a standby takes over when the leader session is terminated', async (t) => {
  const closing = new AbortController();
  t.teardown(() => closing.abort());
  const name = 'relay:test';
  const leader = await acquireLeadership({
    name,
    client: { connectionString: database.url, application_name: 'leader-a' },
    signal: closing.signal,
    logger: quiet,
    retryMs: 50,
  });
  t.teardown(leader.release);
  t.equal(leader.signal.aborted, false);
  t.equal(await tryAdvisoryLock(leader.client, name), true, 'the returned client is the session holding the lock');
  await advisoryUnlock(leader.client, name); // taken twice above: back to once

  let standbys = 0;
  const second = acquireLeadership({
    name,
    client: { connectionString: database.url, application_name: 'leader-b' },
    signal: closing.signal,
    logger: quiet,
    retryMs: 50,
    onStandby: () => {
      standbys++;
    },
  });
  let secondTook = false;
  void second.then(() => {
    secondTook = true;
  });
  await waitUntil('b to stand by', () => standbys >= 3, patience);
  t.equal(secondTook, false, 'b stands by while a leads');

  const admin = await session(t, 'admin');
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'leader-a'`);
  await waitUntil('a to see its session end', () => leader.signal.aborted, patience);
  t.ok(leader.signal.reason instanceof Error, 'the signal carries why');
  const b = await second;
  t.teardown(b.release);
  t.equal(b.signal.aborted, false, 'b leads now');

  // Release ends the session, which frees the lock for the next one, without aborting the signal.
  await b.release();
  t.equal(b.signal.aborted, false, 'a release is not a loss');
  const c = await session(t);
  t.equal(await tryAdvisoryLock(c, name), true, 'the lock is free after release');
});

t.test('leadership: closing ends the wait of a standby and of a failing connection', async (t) => {
  const holder = await session(t);
  await tryAdvisoryLock(holder, 'held');
  const standing = new AbortController();
  const waiting = acquireLeadership({
    name: 'held',
    client: { connectionString: database.url },
    signal: standing.signal,
    logger: quiet,
    retryMs: 50,
  });
  setTimeout(() => standing.abort(new Error('closing')), 200);
  await t.rejects(waiting, { message: 'closing' }, 'a standby stops waiting');

  const errors: unknown[] = [];
  const unreachable = new AbortController();
  const failing = acquireLeadership({
    name: 'held',
    // Port 1 refuses connections: every try fails and is retried.
    client: { connectionString: 'postgres://nobody@127.0.0.1:1/none' },
    signal: unreachable.signal,
    logger: quiet,
    retryMs: 20,
    onError: (err) => errors.push(err),
  });
  await waitUntil('two failed tries', () => errors.length >= 2, patience);
  unreachable.abort(new Error('closing'));
  await t.rejects(failing, { message: 'closing' });
});
