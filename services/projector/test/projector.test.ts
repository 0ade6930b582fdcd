import { createPostgresEventStore } from '@publisher/event-store';
import {
  createReadModelConnection,
  EVERY_TENANT,
  loadDeployments,
  loadPublishingRecords,
  migrateReadModel,
  readCheckpoint,
} from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import { pino } from 'pino';
import t from 'tap';
import { runAdmin } from '../src/admin-cli.ts';
import { startProjector } from '../src/projector.ts';
import { statusRoutes } from '../src/status-routes.ts';
import { appendToRecord, at, createRecord, event, listenForNotices } from './support.ts';

const database = await createTestDatabase('projector');
t.teardown(database.drop);
// Polling so rarely that within a test only a wake-up (the append's notice) can move the projector.
const store = createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 600_000 });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const logger = pino({ level: 'silent' });

const projector = startProjector({ store, connectionString: database.url, logger, batchSize: 3, stoppedPollMs: 50 });
t.teardown(() => projector.close());
const caughtUpTo = (position: string) =>
  waitUntil(`checkpoint ${position}`, async () => (await readCheckpoint(rm.db)).position === position);

t.test('catches up, then projects live events promptly', async (t) => {
  const a = await createRecord(store, { content_id: 1 });
  const b = await createRecord(store, { content_id: 2, account_id: 2 });
  await appendToRecord(store, a.id, 0, ['PublishingStarted', { attempt: 1 }], ['PublishingFailed', { error: 'x' }]);
  const last = await appendToRecord(store, b.id, 0, ['PublishingRecordDeleted', {}]);
  await caughtUpTo(last.position);
  const rows = await loadPublishingRecords(rm.db, EVERY_TENANT, [a.id, b.id]);
  t.match(rows.get(a.id), { status: 'failed', attempts: 1, error_message: 'x', revision: 2 });
  t.match(rows.get(b.id), { deleted: true, account_id: 2, revision: 1 });
  await waitUntil('live', () => projector.status().state === 'live');

  // Bounded by caughtUpTo's 15 s, far inside the 10 min poll: woken by the append, not found by a poll.
  const live = await appendToRecord(store, a.id, 2, ['PublishingRetried', {}]);
  await caughtUpTo(live.position);
  t.match(projector.status(), { state: 'live', position: live.position, lag_events: 0, lag_seconds: 0 });
});

t.test("each batch's notice names the accounts whose rows it changed", async (t) => {
  const { notices, close } = await listenForNotices(database.url);
  t.teardown(close);

  const a = await createRecord(store, { account_id: 5 });
  const b = await createRecord(store, { account_id: 6 });
  await waitUntil('both created', () => notices.some((n) => n.position === b.position));
  const last = await appendToRecord(store, a.id, 0, ['PublishingStarted', { attempt: 1 }]);
  await waitUntil('notices up to the last event', () => notices.some((n) => n.position === last.position));
  t.ok(notices.length > 0);
  for (const n of notices) t.match(n, { schema: 'read_model', name: 'read_models', accounts: Array });
  t.same([...new Set(notices.flatMap((n) => n.accounts ?? []))].sort(), [5, 6], 'exactly the accounts touched');
  t.same(notices.at(-1)?.accounts, [5], 'the last batch touched account 5 only');
});

t.test('deployments: the ledger is skipped, the deployment stream projected', async (t) => {
  const id = crypto.randomUUID();
  const data = { deployment_id: id, account_id: 1, site_id: 77, sector_id: null, version: 1, metadata: {}, at: at() };
  await store.append('site_deployments-1-77', [event('DeploymentVersionReserved', data)], 'no_stream');
  const created = await store.append(`deployment-${id}`, [event('DeploymentCreated', data)], 'no_stream');
  await caughtUpTo(created.position);
  t.match((await loadDeployments(rm.db, EVERY_TENANT, [id])).get(id), { status: 'pending', version: 1, site_id: 77 });

  const cancelled = await store.append(
    `deployment-${id}`,
    [
      event('DeploymentUpdated', { deployment_id: id, changes: { metadata: { commit: 'def' } }, at: at() }),
      event('DeploymentCancelled', { deployment_id: id, reason: 'superseded', at: at() }),
    ],
    0,
  );
  await caughtUpTo(cancelled.position);
  t.match((await loadDeployments(rm.db, EVERY_TENANT, [id])).get(id), {
    status: 'cancelled',
    metadata: { commit: 'def' },
    revision: 2,
  });
  t.not(projector.status().state, 'stopped', 'the new event types do not stop the projection');
});

t.test('a poison event stops the projection before it; an operator skip resumes it', async (t) => {
  const r = await createRecord(store);
  const good = await appendToRecord(store, r.id, 0, ['PublishingStarted', { attempt: 1 }]);
  const poison = await store.append(r.stream, [event('PublishingTeleported', { record_id: r.id })], 1);
  const after = await appendToRecord(store, r.id, 2, ['PublishingFailed', { error: 'late' }]);

  await waitUntil('stopped', () => projector.status().state === 'stopped');
  const cp = await readCheckpoint(rm.db);
  t.equal(cp.position, good.position, 'checkpoint stops right before the poison event');
  t.match(cp.stopped, { event_type: 'PublishingTeleported', position: poison.position, reason: /unknown event type/ });
  t.match(projector.status().stop, { event_type: 'PublishingTeleported' });
  t.match((await loadPublishingRecords(rm.db, EVERY_TENANT, [r.id])).get(r.id), { status: 'publishing', revision: 1 });
  const ready = () => statusRoutes(projector)['/ready']?.();
  t.match(await ready(), {
    status: 503,
    body: {
      success: false,
      code: 'PROJECTION_STOPPED',
      error: `projection read_models stopped at event ${cp.stopped?.event_id} (PublishingTeleported) at position ${poison.position}: ${cp.stopped?.reason}`,
      stop: { event_type: 'PublishingTeleported', position: poison.position },
    },
  });

  const env = { DATABASE_URL: database.url };
  t.match(JSON.parse(await runAdmin(['status'], env)), { stopped: { event_type: 'PublishingTeleported' } });
  const stoppedId = cp.stopped?.event_id ?? '';
  await t.rejects(runAdmin(['skip', stoppedId], env), /usage/, 'a skip needs a reason');
  t.match(await runAdmin(['skip', stoppedId, '--reason', 'ticket 42', '--by', 'tap'], env), /resumes/);
  await caughtUpTo(after.position);
  t.match((await loadPublishingRecords(rm.db, EVERY_TENANT, [r.id])).get(r.id), {
    status: 'failed',
    error_message: 'late',
    revision: 3,
  });
  t.equal(projector.status().stop, null);
  t.match(await ready(), { status: 200, body: { success: true, data: { status: 'ready' } } }, 'ready again');
});

t.test(
  'status routes: a closed or starting projector is not ready; /status in the envelope, /health as the others’',
  async (t) => {
    const closed = { ...projector.status(), state: 'closed' as const };
    const routes = statusRoutes({ status: () => closed });
    t.same(await routes['/ready']?.(), {
      status: 503,
      body: { success: false, code: 'NOT_READY', error: 'projection read_models is closed', stop: null },
    });
    t.same(await routes['/status']?.(), { status: 200, body: { success: true, data: closed } });
    // A projector that cannot reach its database goes back to `starting`, retrying: not ready.
    const failing = {
      ...projector.status(),
      state: 'starting' as const,
      last_error: 'connect ECONNREFUSED 127.0.0.1:5432',
    };
    t.same(await statusRoutes({ status: () => failing })['/ready']?.(), {
      status: 503,
      body: {
        success: false,
        code: 'NOT_READY',
        error: 'projection read_models is starting (last error: connect ECONNREFUSED 127.0.0.1:5432)',
        stop: null,
      },
    });
    const starting = { ...failing, last_error: null };
    t.match(await statusRoutes({ status: () => starting })['/ready']?.(), {
      status: 503,
      body: { code: 'NOT_READY', error: 'projection read_models is starting' },
    });
    const standby = { ...failing, state: 'standby' as const };
    t.match(await statusRoutes({ status: () => standby })['/ready']?.(), { status: 200 }, 'a standby is ready');
    t.same(await routes['/health']?.(), { status: 200, body: { status: 'ok' } }, 'the relay’s and the worker’s shape');
  },
);
