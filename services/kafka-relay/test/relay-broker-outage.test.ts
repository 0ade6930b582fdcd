/**
 * A broker outage delays publishing and never blocks commands: the broker (a dedicated one, so the
 * shared test broker keeps serving other files) is stopped while commands flow; every command still
 * succeeds, the relay reports the outage, and after the restart every event arrives in order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, loadCommandApiConfig } from '@publisher/command-api';
import { createEventDeduplicator, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { startKafka } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, createTestDatabase, signTestToken, testLogger, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { start } from '../src/relay.ts';
import { consumeUntil } from './helpers/kafka.ts';

const defer = cleanupStack(t);
const broker = await startKafka();
defer(() => broker.stop());
const db = await createTestDatabase('relay_outage');
defer(db.drop);
const pool = new pg.Pool({ connectionString: db.url, max: 10 });
pool.on('error', () => {});
defer(() => pool.end());
const store = createPostgresEventStore({ pool });
await store.migrate();
defer(() => store.close());
const app = await buildApp(
  { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
  { logger: false },
);
defer(() => app.close());
const token = signTestToken({ sub: 'u1', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });
const relay = await start({
  databaseUrl: db.url,
  brokers: [broker.brokers],
  port: 0,
  maxBackoffMs: 1000,
  logger: testLogger('relay'),
});
defer(() => relay.close());

const records: string[] = [];
const statuses: number[] = [];

/** One create and, for every other record, a start: commands as users would send them. */
async function commandsFor(seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/publisher/publishing-records/',
      headers: { authorization: `Bearer ${token}` },
      payload: { content_id: 1, site_id: 1, sector_id: 1, destination: 'webhook', destination_config: {} },
    });
    statuses.push(created.statusCode);
    const id = created.json().data?.id as string | undefined;
    if (!id) continue;
    records.push(id);
    if (records.length % 2 === 0) {
      const started = await app.inject({
        method: 'POST',
        url: `/api/v1/publisher/publishing-records/${id}/start`,
        headers: { authorization: `Bearer ${token}` },
      });
      statuses.push(started.statusCode);
    }
    await sleep(20);
  }
}

/** How long, and how often, the waits below poll the relay's health. */
const patience = { timeoutMs: 60_000, intervalMs: 200 };
const health = async () =>
  (await (await fetch(`http://127.0.0.1:${relay.port}/health`)).json()) as Record<string, unknown>;

t.test('stop the broker while commands flow: commands succeed, events arrive after the restart', async (t) => {
  await commandsFor(1);
  await broker.stop();
  t.comment('broker stopped');
  await commandsFor(4);
  const during = statuses.length;
  t.ok(
    statuses.every((s) => s === 200 || s === 201),
    `all ${during} commands succeeded while the broker was down`,
  );
  const seen = await waitUntil(
    'the relay to report the outage',
    async () => {
      const h = await health();
      return h.broker === 'unavailable' ? h : null;
    },
    patience,
  );
  t.match(seen, { status: 'degraded', caught_up: false }, 'the relay reports the outage');
  t.ok((seen.lag_seconds as number) > 0, `and its lag (${seen.lag_seconds} s)`);

  await broker.restart();
  t.comment('broker restarted');
  await commandsFor(1);
  t.ok(
    statuses.every((s) => s === 200 || s === 201),
    'commands keep succeeding around the restart',
  );

  const expected = await Promise.all(records.map((id) => store.readStream(`publishing_record-${id}`)));
  const ids = new Set(expected.flat().map((e) => e.id));
  const arrived = new Set<string>();
  const received = await consumeUntil(
    broker.brokers,
    [PUBLISHING_RECORDS_TOPIC],
    (got) => {
      for (const r of got) arrived.add(r.headers['event-id']!);
      return [...ids].every((id) => arrived.has(id));
    },
    60_000,
  );
  t.pass(`all ${ids.size} events of ${records.length} records arrived after the restart`);
  const dedupe = createEventDeduplicator();
  const perKey = new Map<string, string[]>();
  for (const r of received) {
    await dedupe.once(r.headers['event-id']!, async () => {
      perKey.set(r.key!, [...(perKey.get(r.key!) ?? []), r.headers['event-id']!]);
    });
  }
  const wrong = expected.filter((events) => {
    const key = events[0]!.stream.slice('publishing_record-'.length);
    return JSON.stringify(perKey.get(key)) !== JSON.stringify(events.map((e) => e.id));
  });
  t.equal(wrong.length, 0, 'in per-record order');
  const after = await waitUntil(
    'the relay to catch up',
    async () => {
      const h = await health();
      return h.caught_up === true ? h : null;
    },
    patience,
  );
  t.match(after, { status: 'ok', broker: 'connected', lag_seconds: 0 }, 'and the relay is healthy again');
});
