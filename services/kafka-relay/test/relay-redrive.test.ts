import { randomUUID } from 'node:crypto';
import {
  createEventDeduplicator,
  DEPLOYMENTS_TOPIC,
  decodeEventMessage,
  PUBLISHING_RECORDS_TOPIC,
  replayOf,
} from '@publisher/contracts';
import { relayControlStream } from '@publisher/domain';
import { createPostgresEventStore } from '@publisher/event-store';
import { cleanupStack, createTestDatabase, scrapeMetrics, testLogger, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import {
  createCheckpointStore,
  type RelayAdmin,
  relayStatus,
  republishAccount,
  resetRelayCheckpoint,
  skipRelayEvent,
} from '../src/index.ts';
import { start } from '../src/relay.ts';
import { createCommand, execPublishing, lifecycleCommands, metadata, type Tenant } from './helpers/fixtures.ts';
import { consumeUntil, kafkaBrokers, type Received } from './helpers/kafka.ts';

const defer = cleanupStack(t);
const db = await createTestDatabase('relay_redrive');
defer(db.drop);
const brokers = await kafkaBrokers({ teardown: defer });
const store = createPostgresEventStore({ connectionString: db.url });
await store.migrate();
defer(() => store.close());
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
pool.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
defer(() => pool.end());
const checkpoints = createCheckpointStore(pool);
await checkpoints.migrate();
const prefix = `redrive-${randomUUID().slice(0, 8)}.`;
const topics = [prefix + PUBLISHING_RECORDS_TOPIC, prefix + DEPLOYMENTS_TOPIC];
const relay = await start({
  databaseUrl: db.url,
  brokers: [brokers],
  port: 0,
  topicPrefix: prefix,
  batchSize: 50,
  maxBackoffMs: 300,
  logger: testLogger('relay'),
});
defer(() => relay.close());
const admin: RelayAdmin = {
  store,
  checkpoints,
  relay: 'kafka-relay',
  actor: { user_id: 'ops-anna', role: 'support' },
};

const A: Tenant = { account_id: 1, site_id: 2, sector_id: 3 };
const B: Tenant = { account_id: 2, site_id: 5, sector_id: 6 };
/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 30_000, intervalMs: 100 };

/** A record's whole life; `position` is its last event's. */
async function life(tenant: Tenant): Promise<{ id: string; ids: string[]; position: string }> {
  const id = randomUUID();
  const ids: string[] = [];
  let position = '';
  for (const command of lifecycleCommands(id, tenant)) {
    const appended = await execPublishing(store, id, tenant, command);
    ids.push(...appended.ids);
    position = appended.position;
  }
  return { id, ids, position };
}

/**
 * The head once it has reached `position`. The head is what readers can see: a transaction still
 * open anywhere in the database (a relay's checkpoint write, say) holds it back for a moment after
 * an append has committed.
 */
async function headReaching(position: string): Promise<string> {
  let head: string | null = null;
  await waitUntil(
    `the head to reach ${position}`,
    async () => {
      head = await store.headPosition();
      return head !== null && head >= position;
    },
    patience,
  );
  return head!;
}

const ids = (received: Received[], filter: (r: Received) => boolean = () => true) =>
  received.filter(filter).map((r) => r.headers['event-id']!);
const isReplayOf = (replayId: string) => (r: Received) => r.headers['replay-id'] === replayId;
const countOf = (replayId: string, n: number) => (received: Received[]) =>
  received.filter(isReplayOf(replayId)).length >= n;

t.test('a republish reaches a real consumer as replays with the original ids, which dedupe drops', async (t) => {
  const record = await life(A);
  const replayId = randomUUID();
  await execPublishing(store, record.id, A, {
    type: 'RepublishPublishingRecord',
    data: { replay_id: replayId, reason: 'consumer lost its offsets' },
  });
  const received = await consumeUntil(brokers, topics, countOf(replayId, 6));
  const mine = received.filter((r) => r.key === record.id);
  t.same(
    ids(mine, (r) => !replayOf(r)),
    record.ids,
    'first deliveries',
  );
  t.same(ids(mine, isReplayOf(replayId)), record.ids, 'replays: the same ids, in order');
  for (const replay of mine.filter(isReplayOf(replayId))) {
    const first = mine.find((r) => !replayOf(r) && r.headers['event-id'] === replay.headers['event-id'])!;
    t.equal(replay.value, first.value, 'value byte for byte the original');
    t.equal(replay.headers.replay, 'true');
    t.ok(decodeEventMessage(replay).ok);
  }

  // A consumer deduplicating by event id with the contracts helper handles each event once.
  const dedupe = createEventDeduplicator();
  const handled: string[] = [];
  let dropped = 0;
  for (const message of mine) {
    const decoded = decodeEventMessage(message);
    if (!decoded.ok) continue;
    const outcome = await dedupe.once(decoded.event.event_id, async () => handled.push(decoded.event.event_id));
    if (outcome.duplicate && replayOf(message)) dropped++;
  }
  t.same(handled, record.ids, 'each event handled once');
  t.equal(dropped, 6, 'every replay dropped as a duplicate');
  await waitUntil('six replayed events', () => relay.state.eventsReplayed >= 6, patience);
  const metrics = await scrapeMetrics(`http://127.0.0.1:${relay.port}/metrics`);
  t.ok(metrics.value('publisher_relay_events_replayed_total')! >= 6, 'replays counted');
});

t.test('an account republish: a dry run counts, the request replays that account only', async (t) => {
  const from = await headReaching((await life(B)).position); // account 2: outside what is counted
  const a = await life(A);
  const b = await life(B);
  const to = await headReaching(b.position);
  await life(A); // after the range
  const before = (await store.readAll()).length;

  const dry = await republishAccount(admin, { account_id: 1, from, to, reason: 'rebuild', dry_run: true });
  t.match(dry, {
    dry_run: true,
    event: { id: null, type: 'AccountRepublishRequested' },
    detail: { events: 6, replay_id: null },
  });
  t.equal((await store.readAll()).length, before, 'a dry run appends nothing');

  const done = await republishAccount(admin, { account_id: 1, from, to, reason: 'analytics rebuild', dry_run: false });
  const replayId = done.detail.replay_id!;
  const received = await consumeUntil(brokers, topics, countOf(replayId, 6));
  t.same(ids(received, isReplayOf(replayId)), a.ids, 'account 1’s events in the range, in order');
  t.notOk(received.some((r) => isReplayOf(replayId)(r) && b.ids.includes(r.headers['event-id']!)));
  const [recorded] = (await store.readStream(relayControlStream('kafka-relay'))).slice(-1);
  t.match(recorded, {
    type: 'AccountRepublishRequested',
    data: { account_id: 1, from_position: from, to_position: to, reason: 'analytics rebuild', replay_id: replayId },
    metadata: { actor: { user_id: 'ops-anna', role: 'support' }, tenant: { account_id: 1 } },
  });
});

t.test('an event the relay cannot map stops it until support skips it', async (t) => {
  const id = randomUUID();
  await execPublishing(store, id, A, createCommand(id, A));
  const bogusId = randomUUID();
  await store.append(
    `publishing_record-${id}`,
    [{ id: bogusId, type: 'PublishingRecordArchived', data: { record_id: id }, metadata: metadata(A) }],
    0,
  );
  const after = await life(A);
  await waitUntil(
    'the unmappable event to stop the relay',
    () => relay.state.lastError?.code === 'RELAY_UNMAPPABLE_EVENT',
    patience,
  );
  const health = await fetch(`http://127.0.0.1:${relay.port}/health`);
  t.equal(health.status, 503);
  t.match(await health.json(), {
    status: 'degraded',
    role: 'active',
    last_error: { code: 'RELAY_UNMAPPABLE_EVENT', message: /no public mapping for PublishingRecordArchived/ },
  });
  const stoppedAt = await checkpoints.load('kafka-relay');
  const ahead = await store.readAll({ ...(stoppedAt === null ? {} : { after: stoppedAt }), limit: 1000 });
  t.ok(
    ahead.some((e) => e.id === bogusId),
    'stopped before the event: it is still ahead of the checkpoint',
  );
  const retried = relay.state.lastError!.at.getTime();
  await waitUntil('another try', () => relay.state.lastError!.at.getTime() > retried, patience); // it tries again (back-off) …
  t.equal(await checkpoints.load('kafka-relay'), stoppedAt, '… and stays stopped: nothing after it is relayed');

  const status = await relayStatus(admin);
  t.match(status.stuck, { event_id: bogusId, type: 'PublishingRecordArchived', error: /no public mapping/ });
  await t.rejects(
    skipRelayEvent(admin, { event_id: after.ids[0]!, reason: 'x', dry_run: false }),
    { code: 'RELAY_ADMIN_REFUSED', message: /can map/ },
    'a mappable event is never skipped',
  );
  const controlBefore = (await store.readStream(relayControlStream('kafka-relay'))).length;
  const dry = await skipRelayEvent(admin, { event_id: bogusId, reason: 'ticket 9', dry_run: true });
  t.match(dry, { dry_run: true, event: { id: null, type: 'RelayEventSkipped' } });
  t.equal((await store.readStream(relayControlStream('kafka-relay'))).length, controlBefore);

  const skipped = relay.state.eventsSkipped;
  await skipRelayEvent(admin, { event_id: bogusId, reason: 'ticket 9', dry_run: false });
  const received = await consumeUntil(brokers, topics, (r) => after.ids.every((x) => ids(r).includes(x)));
  t.ok(
    after.ids.every((x) => ids(received).includes(x)),
    'the relay resumed past the skipped event',
  );
  t.notOk(ids(received).includes(bogusId));
  await waitUntil('the skip', () => relay.state.lastError === null && relay.state.eventsSkipped > skipped, patience);
  t.equal((await relayStatus(admin)).stuck, null);
  await t.rejects(skipRelayEvent(admin, { event_id: bogusId, reason: 'again', dry_run: false }), /not among/);
});

t.test('a reset moves the checkpoint back and an idle relay re-sends from there', async (t) => {
  const record = await life(B);
  const head = await headReaching(record.position);
  await waitUntil('the relay to reach the head', () => relay.state.relayedPosition === head, patience);
  const events = await store.readStream(`publishing_record-${record.id}`);
  const to = events[2]!.position; // re-send the last three events of this record (and what follows)
  const dry = await resetRelayCheckpoint(admin, { to, reason: 'consumers lost a partition', dry_run: true });
  t.match(dry.detail, { from: head, to, direction: 'back', events: 3 });
  t.equal(await checkpoints.load('kafka-relay'), head, 'a dry run moves nothing');

  await resetRelayCheckpoint(admin, { to, reason: 'consumers lost a partition', dry_run: false });
  const again = new Set(record.ids.slice(3));
  const received = await consumeUntil(brokers, topics, (r) =>
    [...again].every((x) => r.filter((m) => m.headers['event-id'] === x).length >= 2),
  );
  t.ok(
    [...again].every((x) => received.filter((m) => m.headers['event-id'] === x).length >= 2),
    'sent again',
  );
  t.equal(received.filter((m) => m.headers['event-id'] === record.ids[2]).length, 1, 'nothing before the position');
  const [reset] = (await store.readStream(relayControlStream('kafka-relay'))).slice(-1);
  t.match(reset, { type: 'RelayCheckpointReset', data: { from_position: head, to_position: to } });
  await waitUntil(
    'the checkpoint reset',
    async () => (await checkpoints.load('kafka-relay')) === reset!.position,
    patience,
  );
});
