/**
 * The growth benchmark's bulk loader (bench/growth/load.ts) must leave exactly what appends through
 * the command API would have: streams whose revisions run from 0 without gaps, a `streams` row at
 * each stream's last revision, every event readable from the global log in order, events the
 * projector folds into the same rows as an independent fold of the log (the projector tests'
 * oracle), events the relay maps, and records and sites on which the command API goes on working.
 */
import { buildApp, loadCommandApiConfig } from '@publisher/command-api';
import { comparePositions, createPostgresEventStore } from '@publisher/event-store';
import { mapRecordedEvent } from '@publisher/kafka-relay';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { loadProjectorConfig, start as startProjector } from '@publisher/projector';
import { createReadModelConnection, readCheckpoint } from '@publisher/read-model';
import { cleanupStack, createTestDatabase, signTestToken, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { bulkLoad } from '../bench/growth/load.ts';
import { foldAllEvents, loadAllRows } from '../services/projector/test/oracle.ts';

const EVENTS = 6000;
const defer = cleanupStack(t);
const db = await createTestDatabase('growth_loader');
defer(db.drop);
const loaded = await bulkLoad(db.url, { events: EVENTS, seed: 5 });
const store = createPostgresEventStore({ connectionString: db.url });
defer(() => store.close());
const admin = new pg.Pool({ connectionString: db.url, max: 2 });
defer(() => admin.end());

t.test('the store holds the events, whole streams and their streams rows', async (t) => {
  t.ok(loaded.events >= EVENTS && loaded.events <= EVENTS + 1, `${loaded.events} events`);
  t.ok(
    loaded.records > EVENTS / 14 && loaded.records < EVENTS / 7,
    `${loaded.records} records (about ten events each)`,
  );
  const { rows } = await admin.query<{ events: number; streams: number; gaps: number; stale: number }>(
    `SELECT (SELECT count(*)::int FROM event_store.events) AS events,
            (SELECT count(*)::int FROM event_store.streams) AS streams,
            (SELECT count(*)::int FROM (SELECT stream FROM event_store.events GROUP BY stream
                                          HAVING min(revision) <> 0 OR count(*) <> max(revision) + 1) g) AS gaps,
            (SELECT count(*)::int FROM event_store.streams s
               WHERE s.revision <> (SELECT max(revision) FROM event_store.events e WHERE e.stream = s.stream)) AS stale`,
  );
  t.same(rows[0], { events: loaded.events, streams: loaded.streams, gaps: 0, stale: 0 });
  const constraints = await admin.query<{ name: string }>(
    `SELECT conname AS name FROM pg_constraint
      WHERE connamespace = 'event_store'::regnamespace AND contype IN ('p', 'u') AND conname <> 'migrations_pkey' ORDER BY 1`,
  );
  t.same(
    constraints.rows.map((r) => r.name),
    ['events_id_key', 'events_pkey', 'events_stream_revision_key', 'streams_pkey'],
    'the constraints the migrations create, rebuilt after the load',
  );
});

t.test('the global log reads in order, each stream in revision order, and the relay maps every event', async (t) => {
  const all = await store.readAll({});
  t.equal(all.length, loaded.events);
  const last = new Map<string, number>();
  let ordered = 0;
  let inStreamOrder = 0;
  let published = 0;
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    if (i > 0 && comparePositions(all[i - 1]!.position, e.position) < 0) ordered++;
    if (e.revision === (last.get(e.stream) ?? -1) + 1) inStreamOrder++;
    last.set(e.stream, e.revision);
    if (mapRecordedEvent(e).kind === 'publish') published++;
  }
  t.equal(ordered, all.length - 1, 'positions strictly increase');
  t.equal(inStreamOrder, all.length, "every event comes right after its stream's previous one");
  t.ok(published > all.length * 0.9, `${published} events published by the relay, the rest internal (the ledger)`);
});

t.test('the projector folds the log into what an independent fold of it gives', async (t) => {
  const projector = await startProjector(
    loadProjectorConfig({ DATABASE_URL: db.url, STATUS_ENABLED: 'false', LOG_LEVEL: 'silent' }),
  );
  t.teardown(() => projector.close());
  const rm = createReadModelConnection({ connectionString: db.url });
  t.teardown(rm.close);
  // Re-read the head each time: it lags the last commit while any older transaction on the
  // cluster (another test's) is still open.
  await waitUntil(
    'the projector to reach the head of the log',
    async () => comparePositions((await readCheckpoint(rm.db)).position, await store.headPosition()) >= 0,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const expected = await foldAllEvents(store);
  const actual = await loadAllRows(rm.db);
  t.equal(actual.records.size, expected.records.size, 'one row per publishing record');
  t.equal(actual.deployments.size, expected.deployments.size, 'one row per deployment');
  t.same(actual.records, expected.records);
  t.same(actual.deployments, expected.deployments);
  const statuses = new Set([...expected.records.values()].map((r) => r.status));
  t.same([...statuses].sort(), ['failed', 'pending', 'published', 'publishing'], 'every record status occurs');
});

t.test('the command API works on loaded records and sites', async (t) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  t.teardown(() => pool.end());
  const app = await buildApp(
    { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
    { logger: false },
  );
  t.teardown(() => app.close());
  const { rows } = await admin.query<{ stream: string; revision: number; account: number }>(
    `SELECT e.stream, e.revision::int, (e.metadata->'tenant'->>'account_id')::int AS account
       FROM event_store.events e JOIN event_store.streams s ON s.stream = e.stream AND s.revision = e.revision
      WHERE e.stream LIKE 'publishing_record-%' AND e.type IN ('PublishingRecordCreated', 'PublishingRecordUpdated', 'PublishingRetried')
      LIMIT 1`,
  );
  const pending = rows[0]!;
  const as = (account: number) =>
    `Bearer ${signTestToken({ sub: 'loader-test', account_id: account, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET })}`;
  const started = await app.inject({
    method: 'POST',
    url: `/api/v1/publisher/publishing-records/${pending.stream.slice('publishing_record-'.length)}/start`,
    headers: { authorization: as(pending.account) },
  });
  t.equal(started.statusCode, 200, 'start on a loaded pending record');
  t.equal(started.headers.etag, `"${pending.revision + 1}"`, 'appended after the loaded revision');

  const ledger = await admin.query<{ stream: string; revision: number; version: number }>(
    `SELECT s.stream, s.revision::int, (e.data->>'version')::int AS version
       FROM event_store.streams s JOIN event_store.events e ON e.stream = s.stream AND e.revision = s.revision
      WHERE s.stream LIKE 'site_deployments-%' ORDER BY s.revision DESC LIMIT 1`,
  );
  const site = ledger.rows[0]!;
  const [, account, siteId] = site.stream.split('-').map(Number) as [number, number, number];
  const deployed = await app.inject({
    method: 'POST',
    url: '/api/v1/publisher/deploy',
    headers: { authorization: as(account), 'content-type': 'application/json' },
    payload: { site_id: siteId },
  });
  // The site's last loaded deployment may still be in progress (cut short at the end of the load).
  if (deployed.statusCode === 409) {
    t.equal(JSON.parse(deployed.body).code, 'DEPLOYMENT_IN_PROGRESS');
  } else {
    t.equal(deployed.statusCode, 201, 'deploy on a loaded site');
    t.equal(JSON.parse(deployed.body).data.version, site.version + 1, 'the next version of the loaded ledger');
  }
});
