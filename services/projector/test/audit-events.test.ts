/**
 * The audit projection: pure (one row per event, from stream and metadata only), then live against
 * the real PostgreSQL event store (every event lands, whatever its kind, in the same transaction as
 * the checkpoint), and through a rebuild (rebuilt from the log; the access log outside it survives).
 */
import { randomUUID } from 'node:crypto';
import { comparePositions, createPostgresEventStore, type EventMetadata } from '@publisher/event-store';
import {
  type AuditEventRow,
  accessLogWriter,
  createReadModelConnection,
  listAccessLog,
  migrateReadModel,
  readCheckpoint,
  searchAuditEvents,
} from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import { pino } from 'pino';
import t from 'tap';
import { runAdmin } from '../src/admin-cli.ts';
import { auditEventRow } from '../src/projections/audit-events.ts';
import { startProjector } from '../src/projector.ts';
import { rebuildReadModels } from '../src/rebuild.ts';
import { recorded } from './events.ts';
import { appendToRecord, at, createRecord, event } from './support.ts';

t.test('pure: an event becomes its audit row, from its stream, place and metadata', async (t) => {
  const id = randomUUID();
  const e = recorded(`publishing_record-${id.toUpperCase()}`, 3, 'PublishingFailed', { error: 'x' });
  const m = e.metadata;
  t.same(auditEventRow(e), {
    event_id: e.id,
    position: e.position,
    type: 'PublishingFailed',
    aggregate: 'publishing_record',
    record_id: id,
    revision: 3,
    account_id: 1,
    site_id: 10,
    sector_id: 100,
    actor_user_id: 'u1',
    actor_role: 'editor',
    correlation_id: m.correlation_id,
    occurred_at: m.occurred_at,
    recorded_at: e.recorded_at.toISOString(),
  });
});

t.test('pure: types nobody knows and streams without a record id are projected alike', async (t) => {
  const ledger = auditEventRow(recorded('site_deployments-7-9', 0, 'DeploymentVersionReserved', {}));
  t.match(ledger, { aggregate: 'site_deployments', record_id: null, type: 'DeploymentVersionReserved' });
  const future = auditEventRow(recorded(`deployment-${randomUUID()}`, 4, 'DeploymentRepublished', { reason: 'r' }));
  t.match(future, { aggregate: 'deployment', type: 'DeploymentRepublished', revision: 4, actor_user_id: 'u1' });
});

t.test('pure: times are passed on in canonical form, whatever form the metadata has', async (t) => {
  const e = recorded(`publishing_record-${randomUUID()}`, 0, 'X', {});
  const at = (occurred_at: string) => auditEventRow({ ...e, metadata: { ...e.metadata, occurred_at } }).occurred_at;
  t.equal(at('2024-05-01T10:00:00.123Z'), '2024-05-01T10:00:00.123Z');
  t.equal(at('2024-05-01T12:00:00+02:00'), '2024-05-01T10:00:00.000Z');
  t.equal(at('2024-05-31T23:59:59.999Z'), '2024-05-31T23:59:59.999Z', 'late days of a month go through Date');
  t.equal(at('2024-02-30T00:00:00.000Z'), '2024-03-01T00:00:00.000Z', 'a day the month lacks: as Date reads it');
  t.equal(at('+275760-01-01T00:00:00.000Z'), e.recorded_at.toISOString(), 'a year PostgreSQL cannot store');
  t.equal(at('yesterday'), e.recorded_at.toISOString());
});

t.test('pure: missing or malformed metadata becomes nulls, and the time falls back to the store’s', async (t) => {
  const e = recorded(`publishing_record-${randomUUID()}`, 0, 'X', {});
  const broken = {
    ...e,
    metadata: {
      tenant: { account_id: '7', site_id: 3.5, sector_id: 2 ** 40 },
      actor: null,
      correlation_id: 42,
      occurred_at: 'yesterday',
    } as unknown as EventMetadata,
  };
  t.match(auditEventRow(broken), {
    account_id: null,
    site_id: null,
    sector_id: null,
    actor_user_id: null,
    actor_role: null,
    correlation_id: null,
    occurred_at: e.recorded_at.toISOString(),
  });
  const bare = auditEventRow({ ...e, stream: 'loner', metadata: {} as EventMetadata });
  t.match(bare, { aggregate: 'loner', record_id: null, account_id: null });
});

const database = await createTestDatabase('projector_audit');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const logger = pino({ level: 'silent' });
const anyAccount = { account_id: 'any' as const, site_ids: null };

async function allAudit(): Promise<AuditEventRow[]> {
  const page = await searchAuditEvents(rm.reader, anyAccount, { page_size: 1000 });
  // Each event's JSON as the API shows it, read back into the row it came from.
  const rows = page.rows.map((r): AuditEventRow => {
    const { actor, ...rest } = JSON.parse(r.document);
    return { ...rest, actor_user_id: actor.user_id, actor_role: actor.role };
  });
  return rows.sort((a, b) => comparePositions(a.position, b.position));
}

t.test('live: every event of the log is in the audit, ledger, skipped and all, with the checkpoint', async (t) => {
  const projector = startProjector({ store, connectionString: database.url, logger, batchSize: 2, stoppedPollMs: 50 });
  t.teardown(() => projector.close());
  const r = await createRecord(store, { account_id: 3, site_id: 30 });
  await appendToRecord(store, r.id, 0, ['PublishingStarted', { attempt: 1 }]);
  const deployment = randomUUID();
  const data = {
    deployment_id: deployment,
    account_id: 3,
    site_id: 30,
    sector_id: null,
    version: 1,
    metadata: {},
    at: at(),
  };
  await store.append('site_deployments-3-30', [event('DeploymentVersionReserved', data, 3)], 'no_stream');
  await store.append(`deployment-${deployment}`, [event('DeploymentCreated', data, 3)], 'no_stream');
  const poison = await store.append(r.stream, [event('PublishingTeleported', { record_id: r.id }, 3)], 1);
  const after = await appendToRecord(store, r.id, 2, ['PublishingFailed', { error: 'late' }]);

  await waitUntil('stopped at the poison event', () => projector.status().state === 'stopped');
  t.same(
    (await allAudit()).map((a) => a.type),
    ['PublishingRecordCreated', 'PublishingStarted', 'DeploymentVersionReserved', 'DeploymentCreated'],
    'the audit stops with the checkpoint, before the poison event',
  );
  const stopped = (await readCheckpoint(rm.db)).stopped?.event_id ?? '';
  await runAdmin(['skip', stopped, '--reason', 'ticket 7', '--by', 'tap'], { DATABASE_URL: database.url });
  await waitUntil('caught up', async () => (await readCheckpoint(rm.db)).position === after.position);

  const rows = await allAudit();
  t.same(
    rows.map((a) => [a.type, a.aggregate, a.revision, a.account_id]),
    // The tenant is the metadata's (support.ts writes account 1 there for record events).
    [
      ['PublishingRecordCreated', 'publishing_record', 0, 1],
      ['PublishingStarted', 'publishing_record', 1, 1],
      ['DeploymentVersionReserved', 'site_deployments', 0, 3],
      ['DeploymentCreated', 'deployment', 0, 3],
      ['PublishingTeleported', 'publishing_record', 2, 3],
      ['PublishingFailed', 'publishing_record', 3, 1],
    ],
    'one row per event in log order; the skipped event is audited like any other',
  );
  t.equal(rows[4]?.position, poison.position);
  t.same(
    rows.map((a) => a.record_id),
    [r.id, r.id, null, deployment, r.id, r.id],
  );
});

t.test('a rebuild rebuilds the audit from the log and keeps the access log', async (t) => {
  const before = await allAudit();
  await accessLogWriter(rm.db)([
    {
      account_id: 1,
      site_id: 10,
      reader_user_id: 'sam',
      reader_role: 'support',
      reader_account_id: 99,
      action: 'history',
      record_kind: 'publishing_record',
      record_id: before[0]?.record_id ?? null,
      query: {},
      request_id: 'req-kept',
    },
  ]);
  await rm.pool.query('DELETE FROM read_model.audit_events WHERE type = $1', ['PublishingStarted']);
  await rebuildReadModels({ store, connectionString: database.url, logger, batchSize: 3 });
  t.same(await allAudit(), before, 'the same rows as projected live, the deleted one back');
  t.match((await listAccessLog(rm.db, { account_id: 1, site_ids: null }, { page_size: 10 })).rows, [
    { request_id: 'req-kept', reader_user_id: 'sam' },
  ]);
  const indexes = await rm.pool.query(
    `select indexname from pg_indexes where schemaname = 'read_model' and tablename = 'audit_events' order by 1`,
  );
  t.ok(
    indexes.rows.some((r) => r.indexname === 'audit_events_event_id'),
    'the rebuilt table has its indexes',
  );
});
