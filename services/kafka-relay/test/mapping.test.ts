import { randomUUID } from 'node:crypto';
import { DEPLOYMENTS_TOPIC, decodeEventMessage, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import {
  decideDeployment,
  decidePublishingRecord,
  deploymentCreatedFromReservation,
  evolveDeployment,
  evolvePublishingRecord,
  initialDeploymentState,
  initialPublishingRecordState,
  type PublishingRecordEvent,
} from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import t from 'tap';
import { isRelayError } from '../src/errors.ts';
import { mapRecordedEvent, toKafkaMessage } from '../src/mapping.ts';
import { javaCompatiblePartitioner, murmur2, murmur2Ascii } from '../src/partitioner.ts';
import { lifecycleCommands, metadata, type Tenant } from './helpers/fixtures.ts';

const tenant: Tenant = { account_id: 7, site_id: 8, sector_id: 9 };
let seq = 0;
const recorded = (stream: string, type: string, data: unknown, t2: Tenant = tenant): RecordedEvent => ({
  id: randomUUID(),
  stream,
  type,
  data: data as Record<string, unknown>,
  metadata: metadata(t2, { causation_id: seq % 2 ? 'cause-1' : null }),
  revision: 0,
  position: `0000000000000001-${(++seq).toString(16).padStart(16, '0')}`,
  recorded_at: new Date(),
});

t.test('a publishing record life maps to public events, in order, each valid on the wire', async (t) => {
  const id = randomUUID();
  let state = initialPublishingRecordState as Parameters<typeof evolvePublishingRecord>[0];
  const internal: PublishingRecordEvent[] = [];
  for (const command of lifecycleCommands(id, tenant)) {
    for (const event of decidePublishingRecord(command, state, { at: new Date().toISOString() })) {
      internal.push(event);
      state = evolvePublishingRecord(state, event);
    }
  }
  const mapped = internal.map((e) => mapRecordedEvent(recorded(`publishing_record-${id}`, e.type, e.data)));
  t.same(
    mapped.map((m) => (m.kind === 'publish' ? m.event.event_type : m.kind)),
    [
      'publisher.publishing_record.created',
      'publisher.publishing_record.started',
      'publisher.publishing_record.failed',
      'publisher.publishing_record.retried',
      'publisher.publishing_record.started',
      'publisher.publishing_record.published',
    ],
  );
  for (const m of mapped) {
    if (m.kind !== 'publish') continue;
    t.equal(m.topic, PUBLISHING_RECORDS_TOPIC);
    t.equal(m.key, id);
    t.match(m.event, { record_id: id, account_id: 7, site_id: 8, sector_id: 9, schema_version: 1 });
    const message = toKafkaMessage(m.event);
    const decoded = decodeEventMessage({ key: message.key, value: message.value, headers: message.headers });
    t.ok(decoded.ok, `${m.event.event_type} decodes with the consumer helper`);
    t.same(
      Object.keys(message.headers).sort(),
      [
        'account-id',
        'correlation-id',
        'event-id',
        'event-type',
        'position',
        'schema-version',
        ...(m.event.causation_id ? ['causation-id'] : []),
      ].sort(),
    );
    t.equal(message.headers['account-id'], '7');
    t.equal(message.headers.position, m.event.position);
  }
  const [created, , failed, , second, published] = mapped.map((m) => (m.kind === 'publish' ? m.event : null));
  t.match(created?.data, { status: 'pending', content_id: 42, destination: 'webhook', metadata: { title: 'Hello' } });
  t.notOk('record_id' in (created?.data ?? {}), 'internal bookkeeping fields stay internal');
  t.notOk('at' in (created?.data ?? {}));
  t.same(failed?.data, { status: 'failed', error: 'destination said 500' });
  t.same(second?.data, { status: 'publishing', attempt: 2 });
  t.same(published?.data, { status: 'published', external_url: `https://example.test/p/${id}`, external_id: 'p-1' });
});

t.test('deployments map to the deployments topic; the site ledger stays internal', async (t) => {
  const id = randomUUID();
  const site: Tenant = { account_id: 7, site_id: 8, sector_id: null };
  const reservation = {
    deployment_id: id,
    account_id: 7,
    site_id: 8,
    sector_id: null,
    version: 4,
    metadata: { commit: 'abc' },
    at: new Date().toISOString(),
  };
  const ledger = mapRecordedEvent(recorded('site_deployments-7-8', 'DeploymentVersionReserved', reservation, site));
  t.same(ledger, { kind: 'skip', reason: 'internal_event' });

  const created = deploymentCreatedFromReservation(reservation);
  let state = evolveDeployment(initialDeploymentState, created);
  const rest = [];
  for (const command of [
    { type: 'StartDeployment', data: {} },
    { type: 'SucceedDeployment', data: { deployment_url: 'https://site.test' } },
    { type: 'RollBackDeployment', data: {} },
  ] as const) {
    for (const event of decideDeployment(command as never, state, { at: new Date().toISOString() })) {
      rest.push(event);
      state = evolveDeployment(state, event);
    }
  }
  const mapped = [created, ...rest].map((e) => mapRecordedEvent(recorded(`deployment-${id}`, e.type, e.data, site)));
  t.same(
    mapped.map((m) => (m.kind === 'publish' ? [m.topic, m.event.event_type, m.event.sector_id] : m.kind)),
    [
      [DEPLOYMENTS_TOPIC, 'publisher.deployment.created', null],
      [DEPLOYMENTS_TOPIC, 'publisher.deployment.started', null],
      [DEPLOYMENTS_TOPIC, 'publisher.deployment.deployed', null],
      [DEPLOYMENTS_TOPIC, 'publisher.deployment.rolled_back', null],
    ],
  );
  const first = mapped[0];
  t.same(first?.kind === 'publish' && first.event.data, { status: 'pending', version: 4, metadata: { commit: 'abc' } });
  const last = mapped[3];
  t.same(last?.kind === 'publish' && last.event.data, { status: 'rolled_back', reason: null });
});

t.test('a pending deployment updated, then cancelled, maps to updated and cancelled', async (t) => {
  const id = randomUUID();
  const site: Tenant = { account_id: 7, site_id: 8, sector_id: 2 };
  const created = deploymentCreatedFromReservation({
    deployment_id: id,
    account_id: 7,
    site_id: 8,
    sector_id: 2,
    version: 5,
    metadata: { commit: 'abc' },
    at: new Date().toISOString(),
  });
  let state = evolveDeployment(initialDeploymentState, created);
  const rest = [];
  for (const command of [
    { type: 'UpdateDeployment', data: { metadata: { commit: 'def' } } },
    { type: 'CancelDeployment', data: { reason: 'superseded' } },
  ] as const) {
    for (const event of decideDeployment(command, state, { at: new Date().toISOString() })) {
      rest.push(event);
      state = evolveDeployment(state, event);
    }
  }
  const mapped = rest.map((e) => mapRecordedEvent(recorded(`deployment-${id}`, e.type, e.data, site)));
  const events = mapped.map((m) => (m.kind === 'publish' ? m.event : null));
  t.same(
    events.map((e) => [e?.event_type, e?.record_id, e?.sector_id]),
    [
      ['publisher.deployment.updated', id, 2],
      ['publisher.deployment.cancelled', id, 2],
    ],
  );
  t.same(events[0]?.data, { changes: { metadata: { commit: 'def' } } });
  t.same(events[1]?.data, { status: 'cancelled', reason: 'superseded' });
  for (const e of events) {
    if (!e) continue;
    const message = toKafkaMessage(e);
    t.ok(decodeEventMessage(message).ok, `${e.event_type} decodes with the consumer helper`);
  }
});

t.test('events of other streams are not ours to publish', async (t) => {
  t.same(mapRecordedEvent(recorded('billing-1', 'InvoicePaid', {})), { kind: 'skip', reason: 'foreign_stream' });
});

t.test('an unknown or broken event of a Publisher stream stops the relay instead of vanishing', async (t) => {
  const id = randomUUID();
  const caught = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    return null;
  };
  const unknownType = caught(() =>
    mapRecordedEvent(recorded(`publishing_record-${id}`, 'PublishingRecordArchived', { record_id: id })),
  );
  t.ok(isRelayError(unknownType, 'RELAY_UNMAPPABLE_EVENT'), 'an unknown type is refused');
  const broken = recorded(`publishing_record-${id}`, 'PublishingStarted', { record_id: id, attempt: 0, at: '' });
  const invalid = caught(() => mapRecordedEvent(broken));
  t.ok(isRelayError(invalid, 'RELAY_UNMAPPABLE_EVENT'), 'a mapping that breaks the schema is refused');
  t.match(JSON.stringify((invalid as { details?: unknown }).details), /\/data\/attempt/, 'the details name the field');
});

t.test('the partitioner agrees with kafkajs (and so with Java clients) on every key', async (t) => {
  const kafkajsMurmur2 = (await import('kafkajs/src/producer/partitioners/default/murmur2.js' as string)).default as (
    key: Buffer,
  ) => number;
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'éèà-ünïcødé', ...Array.from({ length: 2000 }, () => randomUUID())];
  const differing = keys.filter((k) => murmur2(Buffer.from(k)) !== kafkajsMurmur2(Buffer.from(k)));
  t.same(differing, [], 'identical hashes');
  const fromText = keys.filter(
    (k) => (murmur2Ascii(k) ?? kafkajsMurmur2(Buffer.from(k))) !== kafkajsMurmur2(Buffer.from(k)),
  );
  t.same(fromText, [], 'identical hashes read from ASCII strings');
  t.equal(murmur2Ascii('éèà-ünïcødé'), null, 'a non-ASCII key goes through its UTF-8 bytes');
  const byKey = javaCompatiblePartitioner();
  const metadata = Array.from({ length: 7 }, (_, partitionId) => ({ partitionId, leader: 1 })) as never;
  const moved = keys.filter(
    (k) =>
      byKey({ topic: 't', partitionMetadata: metadata, message: { key: k, value: null } }) !==
      (kafkajsMurmur2(Buffer.from(k)) & 0x7fffffff) % 7,
  );
  t.same(moved, [], 'string keys land on the partition kafkajs and Java clients choose');
  const partition = javaCompatiblePartitioner()({
    topic: 't',
    partitionMetadata: [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 })) as never,
    message: { key: '0f8fad5b-d9cb-469f-a165-70867728950e', value: null },
  });
  t.equal(partition, (kafkajsMurmur2(Buffer.from('0f8fad5b-d9cb-469f-a165-70867728950e')) & 0x7fffffff) % 3);
});
