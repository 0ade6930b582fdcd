import t from 'tap';
import {
  createEventDeduplicator,
  createLruEventStore,
  DEPLOYMENTS_TOPIC,
  decodeEventMessage,
  EVENT_CONTRACTS,
  PUBLISHING_RECORDS_TOPIC,
  REPLAY_HEADERS,
  replayOf,
  topicOf,
  validateIntegrationEvent,
} from '../src/index.ts';

const recordId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const eventId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const created = {
  event_id: eventId,
  event_type: 'publisher.publishing_record.created',
  schema_version: 1,
  occurred_at: '2024-05-01T12:00:00.000Z',
  record_id: recordId,
  account_id: 1,
  site_id: 2,
  sector_id: 3,
  position: '0000000000000001-0000000000000001',
  correlation_id: 'req-1',
  causation_id: null,
  data: {
    status: 'pending',
    content_id: 42,
    destination: 'webhook',
    destination_config: { url: 'http://127.0.0.1:9/hook' },
    metadata: {},
  },
};

const message = (value: unknown, extra: { key?: string | null; headers?: Record<string, string> } = {}) => ({
  key: extra.key === undefined ? Buffer.from(recordId) : extra.key === null ? null : Buffer.from(extra.key),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: extra.headers ?? { 'event-id': Buffer.from(eventId), 'event-type': Buffer.from(created.event_type) },
});

t.test('every contract is on one of the two topics and typed by name', async (t) => {
  t.equal(EVENT_CONTRACTS.length, 14);
  t.equal(topicOf('publisher.deployment.cancelled'), DEPLOYMENTS_TOPIC);
  t.equal(topicOf('publisher.deployment.updated'), DEPLOYMENTS_TOPIC);
  t.equal(topicOf('publisher.publishing_record.retried'), PUBLISHING_RECORDS_TOPIC);
  t.equal(topicOf('publisher.deployment.rolled_back'), DEPLOYMENTS_TOPIC);
  t.equal(topicOf('PublishingRecordCreated'), undefined, 'internal names are not public types');
});

t.test('a valid event decodes into a typed event', async (t) => {
  const decoded = decodeEventMessage(message(created));
  t.ok(decoded.ok);
  if (decoded.ok && decoded.event.event_type === 'publisher.publishing_record.created') {
    t.equal(decoded.event.data.content_id, 42);
  } else t.fail('wrong type');
});

t.test('unknown fields are tolerated (tolerant reader within a version)', async (t) => {
  const decoded = decodeEventMessage(message({ ...created, trace: 'x', data: { ...created.data, extra: 1 } }));
  t.ok(decoded.ok);
});

t.test('a message that cannot be trusted comes back as a code, never a throw', async (t) => {
  const cases: Array<[string, ReturnType<typeof message>, string]> = [
    ['empty value', message(null), 'EVENT_EMPTY_VALUE'],
    ['not JSON', message('{nope'), 'EVENT_INVALID_JSON'],
    ['not UTF-8', { ...message(created), value: Buffer.from([0xff, 0xfe, 0x7b]) }, 'EVENT_INVALID_JSON'],
    ['JSON but not an object', message('42'), 'EVENT_UNKNOWN_TYPE'],
    ['unknown type', message({ ...created, event_type: 'publisher.unknown' }), 'EVENT_UNKNOWN_TYPE'],
    ['future version', message({ ...created, schema_version: 2 }), 'EVENT_UNSUPPORTED_VERSION'],
    [
      'missing field',
      message({ ...created, data: { ...created.data, content_id: undefined } }),
      'EVENT_SCHEMA_MISMATCH',
    ],
    ['bad id', message({ ...created, account_id: 0 }), 'EVENT_SCHEMA_MISMATCH'],
    ['wrong status', message({ ...created, data: { ...created.data, status: 'published' } }), 'EVENT_SCHEMA_MISMATCH'],
    ['key of another record', message(created, { key: '11111111-1111-4111-8111-111111111111' }), 'EVENT_KEY_MISMATCH'],
    [
      'header contradicts value',
      message(created, { headers: { 'event-id': '22222222-2222-4222-8222-222222222222' } }),
      'EVENT_HEADER_MISMATCH',
    ],
  ];
  for (const [name, msg, code] of cases) {
    const decoded = decodeEventMessage(msg);
    t.equal(decoded.ok ? 'ok' : decoded.error.code, code, name);
  }
  const mismatch = validateIntegrationEvent({ ...created, account_id: 'one' });
  t.ok(!mismatch.ok && mismatch.error.details?.some((line) => line.startsWith('/account_id')), 'details name the path');
});

t.test('deployment events allow a null sector, publishing records do not', async (t) => {
  const deployment = {
    ...created,
    event_type: 'publisher.deployment.created',
    sector_id: null,
    data: { status: 'pending', version: 3, metadata: {} },
  };
  t.ok(validateIntegrationEvent(deployment).ok);
  t.notOk(validateIntegrationEvent({ ...created, sector_id: null }).ok);
});

t.test('deployment updated and cancelled (schema version 1) validate, and say what they claim', async (t) => {
  const base = { ...created, sector_id: null };
  const cancelled = {
    ...base,
    event_type: 'publisher.deployment.cancelled',
    data: { status: 'cancelled', reason: null },
  };
  t.ok(validateIntegrationEvent(cancelled).ok);
  t.ok(validateIntegrationEvent({ ...cancelled, data: { status: 'cancelled', reason: 'superseded' } }).ok);
  t.notOk(
    validateIntegrationEvent({ ...cancelled, data: { status: 'failed', reason: null } }).ok,
    'status is cancelled',
  );
  t.notOk(validateIntegrationEvent({ ...cancelled, data: { status: 'cancelled' } }).ok, 'reason is present (or null)');

  const updated = { ...base, event_type: 'publisher.deployment.updated', data: { changes: { metadata: { a: 1 } } } };
  t.ok(validateIntegrationEvent(updated).ok);
  t.notOk(validateIntegrationEvent({ ...updated, data: { changes: {} } }).ok, 'metadata is the change');
});

t.test('LRU store forgets the least recently seen id beyond capacity', async (t) => {
  const store = createLruEventStore(2);
  store.add('a');
  store.add('b');
  t.ok(store.has('a'), 'touching a makes b the oldest');
  store.add('c');
  t.ok(store.has('a'));
  t.notOk(store.has('b'));
  t.ok(store.has('c'));
  t.equal(store.size, 2);
});

t.test('deduplicator runs a handler once per event id, and again after a failure', async (t) => {
  const dedupe = createEventDeduplicator();
  let runs = 0;
  const first = await dedupe.once('e1', async () => ++runs);
  const second = await dedupe.once('e1', async () => ++runs);
  t.same(first, { duplicate: false, result: 1 });
  t.same(second, { duplicate: true });

  await t.rejects(dedupe.once('e2', async () => Promise.reject(new Error('boom'))));
  const retried = await dedupe.once('e2', async () => 'ok');
  t.same(retried, { duplicate: false, result: 'ok' }, 'a failed handler does not mark the id');

  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let concurrentRuns = 0;
  const a = dedupe.once('e3', async () => {
    concurrentRuns++;
    await gate;
  });
  const b = dedupe.once('e3', async () => {
    concurrentRuns++;
  });
  release();
  const outcomes = await Promise.all([a, b]);
  t.equal(concurrentRuns, 1, 'concurrent deliveries of one id run once');
  t.same(
    outcomes.map((o) => o.duplicate),
    [false, true],
  );
});

t.test('a replay decodes like the original and the deduplicator drops it once the original was handled', async (t) => {
  t.same(REPLAY_HEADERS, { replay: 'replay', replayId: 'replay-id' });
  const replayId = '3d9f0c4a-6b1e-4a7d-9c2b-5e8f1a0b3c4d';
  const original = message(created);
  const replay = message(created, {
    headers: { 'event-id': eventId, 'event-type': created.event_type, replay: 'true', 'replay-id': replayId },
  });
  t.equal(replayOf(original), null, 'a first delivery is no replay');
  t.same(replayOf(replay), { replay_id: replayId });
  t.equal(replayOf(message(created, { headers: { replay: 'false' } })), null, 'only "true" marks a replay');

  const decoded = [decodeEventMessage(original), decodeEventMessage(replay)];
  t.ok(decoded.every((d) => d.ok));
  const handled: string[] = [];
  const dedupe = createEventDeduplicator();
  const outcomes = [];
  for (const d of decoded) {
    if (d.ok) outcomes.push(await dedupe.once(d.event.event_id, async () => handled.push(d.event.event_id)));
  }
  t.same(handled, [eventId], 'handled once');
  t.same(
    outcomes.map((o) => o.duplicate),
    [false, true],
    'the replay is dropped as a duplicate',
  );

  // A consumer that never saw the event (it lost it) handles the replay: that is what replays are for.
  const fresh = createEventDeduplicator();
  t.same(await fresh.once(eventId, async () => 'handled'), { duplicate: false, result: 'handled' });
});
