/**
 * LISTEN/NOTIFY only shortens waits: a subscriber wakes on another process's append at once, keeps
 * receiving by polling while its LISTEN connection cannot be re-established, and listens again
 * when it can. "Another process" is a second store instance: in-process appends also wake local
 * subscribers directly, which would hide the NOTIFY path.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { createPostgresEventStore, type RecordedEvent } from '../src/index.ts';
import { newEvents, streamName } from './contract/fixtures.ts';

t.test('a dropped LISTEN connection falls back to polling, then reconnects', async (t) => {
  // Teardowns run last-registered first: the role goes after the database holding its grants.
  const role = `es_listen_${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const server = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
  });
  const db = await createTestDatabase('es_listen');
  t.teardown(db.drop);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  t.teardown(() => admin.end());

  const writer = createPostgresEventStore({ connectionString: db.url });
  t.teardown(() => writer.close());
  await writer.migrate();

  // The reader logs in as a role whose connection limit the test can lower (superusers ignore it).
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
  await admin.query(`GRANT USAGE ON SCHEMA event_store TO ${role}`);
  await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA event_store TO ${role}`);
  const readerUrl = new URL(db.url);
  readerUrl.username = role;
  readerUrl.password = 'pw';
  const POLL_MS = 3000;
  const warnings: string[] = [];
  const reader = createPostgresEventStore({
    connectionString: readerUrl.toString(),
    poolSize: 1,
    pollIntervalMs: POLL_MS,
    applicationName: 'es-listen-reader',
    logger: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) }),
  });
  t.teardown(() => reader.close());

  const received: RecordedEvent[] = [];
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  let caughtUp = false;
  const subscription = (async () => {
    for await (const batch of reader.subscribe({ signal: controller.signal, on_caught_up: () => (caughtUp = true) })) {
      received.push(...batch);
    }
  })();
  const listenPid = async () =>
    (
      await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'es-listen-reader-listen' AND datname = current_database()`,
      )
    ).rows[0]?.pid ?? null;
  await waitUntil('subscribed and listening', async () => caughtUp && (await listenPid()) !== null, {
    timeoutMs: 10_000,
  });

  const stream = streamName('listen');
  const receivedUpTo = (expected: number) =>
    waitUntil(`event ${expected} received`, () => received.length >= expected, { timeoutMs: 10_000 });
  // When the reader's one session last started a query (its reads), by the server's clock.
  const lastRead = async () =>
    (
      await admin.query<{ at: Date }>(
        `SELECT query_start AS at FROM pg_stat_activity WHERE application_name = 'es-listen-reader' AND datname = current_database()`,
      )
    ).rows[0]?.at.getTime() ?? null;
  /**
   * Appends right after one of the reader's polls and returns how long after that poll the read
   * which delivered the event started. Less than the poll interval: something woke the reader (a
   * poll cannot come sooner), so no fixed latency limit is needed.
   */
  const readDelayAfterPoll = async (expected: number, append: () => Promise<unknown>) => {
    const before = await lastRead();
    await waitUntil('a poll', async () => (await lastRead()) !== before, { timeoutMs: 2 * POLL_MS + 5000 });
    const poll = await lastRead();
    await append();
    await receivedUpTo(expected);
    return (await lastRead())! - poll!;
  };

  const notified = await readDelayAfterPoll(1, () => writer.append(stream, newEvents(1), 'no_stream'));
  t.ok(notified < POLL_MS, `woken by NOTIFY before the next poll (read ${notified} ms after the last one)`);

  // Keep the LISTEN connection from coming back: the pool's one connection fills the role's limit.
  await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT 1`);
  const firstPid = await listenPid();
  await admin.query('SELECT pg_terminate_backend($1)', [firstPid]);
  await waitUntil('the LISTEN connection to go', async () => (await listenPid()) === null, { timeoutMs: 5000 });
  const lost = () => warnings.filter((m) => m === 'event store LISTEN connection lost; polling').length;
  await waitUntil('three failed reconnect attempts', () => lost() >= 3, { timeoutMs: 10_000 });
  t.equal(await listenPid(), null, 'cannot reconnect while the role is at its limit');

  await writer.append(stream, newEvents(1), 0);
  await receivedUpTo(2); // by polling, without LISTEN
  t.equal(await listenPid(), null, 'still not listening: that was polling');

  await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
  await waitUntil('the LISTEN connection back', async () => (await listenPid()) !== null, { timeoutMs: 10_000 });
  t.not(await listenPid(), firstPid, 'a new LISTEN session');
  const renotified = await readDelayAfterPoll(3, () => writer.append(stream, newEvents(1), 1));
  t.ok(renotified < POLL_MS, `woken by NOTIFY again (read ${renotified} ms after the last poll)`);

  controller.abort();
  await subscription;
  t.same(
    received.filter((e) => e.stream === stream).map((e) => e.revision),
    [0, 1, 2],
    'each event once, in order',
  );
});
