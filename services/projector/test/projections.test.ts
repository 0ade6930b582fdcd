import type { RecordedEvent } from '@publisher/event-store';
import type { DeploymentRow, PublishingRecordRow, WithDocument } from '@publisher/read-model';
import t from 'tap';
import { foldBatch, planBatch } from '../src/projections/batch.ts';
import { deploymentStream, recorded, recordStream } from './events.ts';

/** Given earlier events (already projected), when new events arrive, then this is the result. */
function given(...earlier: RecordedEvent[]) {
  const first = foldBatch(planBatch(earlier, new Set()), { records: new Map(), deployments: new Map() });
  if (first.poison) throw first.poison;
  return {
    when(events: RecordedEvent[], skipped: ReadonlySet<string> = new Set()) {
      return foldBatch(planBatch(events, skipped), { records: first.records, deployments: first.deployments });
    },
  };
}

const record = (result: ReturnType<typeof foldBatch>, id: string): WithDocument<PublishingRecordRow> => {
  const r = result.records.get(id);
  if (!r) throw new Error(`no row ${id}`);
  return r;
};
const deployment = (result: ReturnType<typeof foldBatch>, id: string): WithDocument<DeploymentRow> => {
  const r = result.deployments.get(id);
  if (!r) throw new Error(`no row ${id}`);
  return r;
};

t.test('publishing records', async (t) => {
  t.test('created → a pending record with every field', async (t) => {
    const s = recordStream();
    const e = s.created({ metadata: { title: 'T' } });
    const out = given().when([e]);
    // The representation's fields (contracts), then the bookkeeping and the document.
    const representation = {
      id: s.id,
      account_id: 1,
      site_id: 10,
      sector_id: 100,
      content_id: 1000,
      destination: 'webhook',
      destination_config: { url: 'https://example.test/hook' },
      status: 'pending',
      external_url: null,
      external_id: null,
      error_message: null,
      attempts: 0,
      metadata: { title: 'T' },
      revision: 0,
      created_at: e.data.at,
      updated_at: e.data.at,
      published_at: null,
    };
    t.same(record(out, s.id), {
      ...representation,
      deleted: false,
      last_position: e.position,
      document: JSON.stringify(representation),
    });
    t.equal(out.last, e);
  });

  t.test('start → fail → retry → start → succeed', async (t) => {
    const s = recordStream();
    const created = s.created();
    const events = [
      s.next('PublishingStarted', { attempt: 1 }),
      s.next('PublishingFailed', { error: 'timeout' }),
      s.next('PublishingRetried'),
      s.next('PublishingStarted', { attempt: 2 }),
    ];
    const failedThenRetried = given(created).when(events.slice(0, 3));
    t.match(record(failedThenRetried, s.id), { status: 'pending', error_message: 'timeout', attempts: 1, revision: 3 });
    const succeeded = s.next('PublishingSucceeded', { external_url: 'https://x.test/p/1', external_id: 'p1' });
    const out = given(created).when([...events, succeeded]);
    t.match(record(out, s.id), {
      status: 'published',
      attempts: 2,
      external_url: 'https://x.test/p/1',
      external_id: 'p1',
      error_message: null,
      published_at: succeeded.data.at,
      updated_at: succeeded.data.at,
      revision: 5,
      last_position: succeeded.position,
    });
  });

  t.test('update changes only the fields present', async (t) => {
    const s = recordStream();
    const out = given(s.created()).when([s.next('PublishingRecordUpdated', { changes: { metadata: { a: 1 } } })]);
    t.match(record(out, s.id), { destination: 'webhook', metadata: { a: 1 }, revision: 1 });
  });

  t.test('deleted → flagged (hidden from reads), fields kept', async (t) => {
    const s = recordStream();
    const out = given(s.created()).when([s.next('PublishingRecordDeleted')]);
    t.match(record(out, s.id), { deleted: true, status: 'pending', revision: 1 });
  });

  t.test('re-delivered events change nothing', async (t) => {
    const s = recordStream();
    const created = s.created();
    const started = s.next('PublishingStarted', { attempt: 1 });
    const out = given(created, started).when([created, started]);
    t.equal(out.records.size, 0, 'no row to write');
    t.equal(out.processed, 2, 'but the checkpoint may advance past them');
  });

  t.test('timestamps and ids are stored in one canonical form', async (t) => {
    const s = recordStream();
    const created = s.created({ at: '2024-05-01T02:00:00+02:00' });
    const out = given().when([{ ...created, data: { ...created.data, record_id: s.id.toUpperCase() } }]);
    t.match(record(out, s.id), { id: s.id, created_at: '2024-05-01T00:00:00.000Z' });
    t.match(record(out, s.id).document, /^\{"id":"[0-9a-f-]{36}",.*"created_at":"2024-05-01T00:00:00.000Z"/);
  });

  t.test(
    'a deleted record keeps its fields; an update after it (which the domain refuses) still applies',
    async (t) => {
      const s = recordStream();
      const created = s.created();
      const deleted = s.next('PublishingRecordDeleted');
      const first = given(created).when([deleted]);
      t.match(record(first, s.id), { deleted: true, updated_at: deleted.data.at, revision: 1 });
      const late = s.next('PublishingRecordUpdated', { changes: { metadata: { late: true } } });
      const out = given(created, deleted).when([late]);
      t.match(record(out, s.id), { deleted: true, metadata: { late: true }, revision: 2 });
    },
  );
});

t.test('deployments', async (t) => {
  t.test('created → started → succeeded → rolled back', async (t) => {
    const d = deploymentStream();
    const created = d.created({ version: 4, sector_id: 7, metadata: { commit: 'abc' } });
    const started = d.next('DeploymentStarted');
    const start = given().when([created, started]);
    t.match(deployment(start, d.id), { status: 'deploying', version: 4, sector_id: 7, metadata: { commit: 'abc' } });
    const ok = d.next('DeploymentSucceeded', { deployment_url: 'https://site.test' });
    const rb = d.next('DeploymentRolledBack', { reason: null });
    const out = given(created).when([started, ok, rb]);
    t.match(deployment(out, d.id), {
      status: 'rolled_back',
      deployment_url: 'https://site.test',
      deployed_at: ok.data.at,
      rolled_back_at: rb.data.at,
      revision: 3,
    });
  });

  t.test('failed keeps the error', async (t) => {
    const d = deploymentStream();
    const out = given(d.created()).when([d.next('DeploymentFailed', { error: 'build broke' })]);
    t.match(deployment(out, d.id), { status: 'failed', error_message: 'build broke' });
  });

  t.test('updated while pending replaces the metadata; cancelled shows its status', async (t) => {
    const d = deploymentStream();
    const created = d.created({ version: 2, metadata: { commit: 'abc' } });
    const updated = d.next('DeploymentUpdated', { changes: { metadata: { commit: 'def' } } });
    const cancelled = d.next('DeploymentCancelled', { reason: 'superseded' });
    const out = given(created).when([updated, cancelled]);
    t.equal(out.poison, null, 'both types decode');
    const { document, ...row } = deployment(out, d.id);
    const { document: _, ...before } = deployment(given().when([created]), d.id);
    t.same(row, {
      ...before,
      status: 'cancelled',
      metadata: { commit: 'def' },
      revision: 2,
      updated_at: cancelled.data.at,
      last_position: cancelled.position,
    });
    const { last_position: __, ...representation } = row;
    t.equal(document, JSON.stringify(representation), 'its document: the representation as JSON');
  });

  t.test('a cancellation with a malformed payload stops the projection', async (t) => {
    const d = deploymentStream();
    const out = given(d.created()).when([d.next('DeploymentCancelled', { reason: 42 })]);
    t.match(out.poison, { message: /invalid payload/ });
  });

  t.test('the site ledger is known and skipped', async (t) => {
    const reserved = recorded('site_deployments-1-10', 0, 'DeploymentVersionReserved', { version: 1 });
    const out = given().when([reserved]);
    t.equal(out.poison, null);
    t.equal(out.processed, 1);
    t.equal(out.last, reserved, 'the checkpoint moves past it');
    t.equal(out.deployments.size, 0);
  });
});

t.test('re-drives', async (t) => {
  const REPLAY = '3d9f0c4a-6b1e-4a7d-9c2b-5e8f1a0b3c4d';
  t.test('a republish moves only the revision and position of a record or a deployment', async (t) => {
    const s = recordStream();
    const created = s.created();
    const started = s.next('PublishingStarted', { attempt: 1 });
    const before = record(given(created).when([started]), s.id);
    const republish = s.next('PublishingRecordRepublishRequested', { replay_id: REPLAY, reason: 'ticket 1' });
    const out = given(created).when([started, republish]);
    // The document is the representation, whose revision (the ETag) moves with the row's.
    t.same(record(out, s.id), {
      ...before,
      revision: 2,
      last_position: republish.position,
      document: before.document.replace('"revision":1,', '"revision":2,'),
    });

    const d = deploymentStream();
    const dCreated = d.created();
    const dRepublish = d.next('DeploymentRepublishRequested', { replay_id: REPLAY, reason: 'ticket 2' });
    const dBefore = deployment(given().when([dCreated]), d.id);
    t.same(deployment(given(dCreated).when([dRepublish]), d.id), {
      ...dBefore,
      revision: 1,
      last_position: dRepublish.position,
      document: dBefore.document.replace('"revision":0,', '"revision":1,'),
    });
  });

  t.test('a redelivery makes a failed record pending again, as a retry does', async (t) => {
    const s = recordStream();
    const history = [s.created(), s.next('PublishingStarted', { attempt: 1 })];
    const failed = s.next('PublishingFailed', { error: 'timeout' });
    const redelivery = s.next('PublishingRedeliveryRequested', { reason: 'destination fixed' });
    const out = given(...history).when([failed, redelivery]);
    t.match(record(out, s.id), {
      status: 'pending',
      error_message: 'timeout',
      attempts: 1,
      revision: 3,
      updated_at: redelivery.data.at,
    });
  });

  t.test('a re-drive without its reason is a poison event', async (t) => {
    const s = recordStream();
    const created = s.created();
    const bad = s.next('PublishingRedeliveryRequested', {});
    const out = given().when([created, bad]);
    t.match(out.poison?.message, /reason/);
    t.equal(out.last, created);
  });

  t.test('support decisions about the relay and dead letters are known and skipped', async (t) => {
    const events = [
      recorded('kafka_relay-kafka-relay', 0, 'RelayEventSkipped', { event_id: REPLAY }),
      recorded('kafka_relay-kafka-relay', 1, 'RelayCheckpointReset', {}),
      recorded('kafka_relay-kafka-relay', 2, 'AccountRepublishRequested', {}),
      recorded('dead_letters-t.dlq', 0, 'DeadLettersRedriven', {}),
    ];
    const out = given().when(events);
    t.equal(out.poison, null);
    t.equal(out.processed, 4);
    t.equal(out.last, events[3], 'the checkpoint moves past them');
    t.equal(out.records.size + out.deployments.size, 0);
  });
});

t.test('poison events stop the batch at the event, keeping what came before', async (t) => {
  t.test('unknown type', async (t) => {
    const s = recordStream();
    const ok = s.created();
    const bad = recorded(s.stream, 1, 'PublishingTeleported', { record_id: s.id });
    const after = s.next('PublishingStarted', { attempt: 1 });
    const out = given().when([ok, bad, after]);
    t.equal(out.last, ok);
    t.equal(out.processed, 1);
    t.match(out.poison, {
      code: 'PROJECTION_POISON_EVENT',
      event_id: bad.id,
      event_type: 'PublishingTeleported',
      position: bad.position,
      reason: /unknown event type/,
    });
    t.match(record(out, s.id), { status: 'pending', revision: 0 }, 'nothing after the poison applied');
  });

  t.test('invalid payload names the field', async (t) => {
    const s = recordStream();
    const bad = s.created({ account_id: 'one' });
    const out = given().when([bad]);
    t.match(out.poison, { event_id: bad.id, reason: /invalid payload: \/account_id/ });
    t.equal(out.last, null);
  });

  t.test('record id that is not its stream', async (t) => {
    const s = recordStream();
    const other = recordStream();
    const bad = recorded(s.stream, 0, 'PublishingRecordCreated', { ...other.created().data });
    t.match(given().when([bad]).poison, { reason: /does not belong to stream/ });
  });

  t.test('an event for a record that was never created', async (t) => {
    const s = recordStream();
    s.created();
    const orphan = s.next('PublishingStarted', { attempt: 1 });
    t.match(given().when([orphan]).poison, { event_id: orphan.id, reason: /no publishing record/ });
  });

  t.test('an operator-skipped event is passed over', async (t) => {
    const s = recordStream();
    const ok = s.created();
    const bad = s.next('PublishingTeleported');
    const after = s.next('PublishingStarted', { attempt: 1 });
    const out = given(ok).when([bad, after], new Set([bad.id]));
    t.equal(out.poison, null);
    t.match(record(out, s.id), { status: 'publishing', revision: 2 });
  });
});
