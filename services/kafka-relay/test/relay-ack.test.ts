/**
 * "The checkpoint moves only after the broker acknowledged": made deterministic with a producer
 * that sends for real and then fails, as when the broker wrote the batch but its answer was lost.
 * The relay's own producer is wrapped (kafkajs' `Kafka.prototype.producer`), so the relay code
 * under test is the real one, against the real broker and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { DEPLOYMENTS_TOPIC, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { createPostgresEventStore } from '@publisher/event-store';
import { cleanupStack, createTestDatabase, testLogger, waitUntil } from '@publisher/testing';
import { Kafka, type Producer, type ProducerBatch } from 'kafkajs';
import pg from 'pg';
import t from 'tap';
import { createCheckpointStore } from '../src/index.ts';
import { start } from '../src/relay.ts';
import { appendLifecycle, type Tenant } from './helpers/fixtures.ts';
import { consumeUntil, kafkaBrokers, type Received } from './helpers/kafka.ts';

const defer = cleanupStack(t);
const db = await createTestDatabase('relay_ack');
defer(db.drop);
const brokers = await kafkaBrokers({ teardown: defer });
const store = createPostgresEventStore({ connectionString: db.url });
await store.migrate();
defer(() => store.close());
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
defer(() => pool.end());
const checkpoints = createCheckpointStore(pool);
const prefix = `relay-ack-${randomUUID().slice(0, 8)}.`;
const topics = [prefix + PUBLISHING_RECORDS_TOPIC, prefix + DEPLOYMENTS_TOPIC];
const tenant: Tenant = { account_id: 1, site_id: 10, sector_id: 100 };
/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 30_000, intervalMs: 50 };

/**
 * Every producer the relay creates from now on: its next `sendBatch` after `failAfterSend()` goes
 * to the broker, then waits for `release()`, then throws.
 */
function lossyProducers() {
  const original = Kafka.prototype.producer;
  let armed = false;
  let reached: (batch: ProducerBatch) => void = () => {};
  let release: () => void = () => {};
  Kafka.prototype.producer = function (this: Kafka, ...args: Parameters<Kafka['producer']>): Producer {
    const producer = original.apply(this, args);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch) => {
      const result = await sendBatch(batch);
      if (!armed) return result;
      armed = false;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      reached(batch);
      await released;
      throw new Error('acknowledgement lost after the broker wrote the batch');
    };
    return producer;
  };
  return {
    restore: () => {
      Kafka.prototype.producer = original;
    },
    /** Arms the next send; resolves with its batch once the broker has it and the send hangs. */
    failAfterSend: () =>
      new Promise<ProducerBatch>((resolve) => {
        armed = true;
        reached = resolve;
      }),
    release: () => release(),
  };
}

const eventIds = (received: Received[]) => received.map((r) => r.headers['event-id'] ?? '');

t.test('a batch the broker wrote but did not acknowledge is not checkpointed, and is sent again', async (t) => {
  const lossy = lossyProducers();
  defer(lossy.restore);
  const relay = await start({
    databaseUrl: db.url,
    brokers: [brokers],
    port: 0,
    topicPrefix: prefix,
    topicPartitions: 1,
    maxBackoffMs: 500,
    logger: testLogger('relay'),
  });
  defer(() => relay.close());

  // A first life is relayed normally: the checkpoint is somewhere definite.
  const first = await appendLifecycle(store, randomUUID(), tenant);
  await consumeUntil(brokers, topics, (r) => first.every((id) => eventIds(r).includes(id)));
  const head = (await store.headPosition())!;
  await waitUntil('the checkpoint at the head', async () => (await checkpoints.load('kafka-relay')) === head, patience);

  const sending = lossy.failAfterSend();
  const second = await appendLifecycle(store, randomUUID(), tenant);
  const batch = await sending;
  const sentIds = batch.topicMessages!.flatMap((m) => m.messages.map((x) => String(x.headers?.['event-id'])));
  t.ok(
    second.every((id) => sentIds.includes(id)),
    'the held send carries the second life',
  );
  const onTopic = await consumeUntil(brokers, topics, (r) => second.every((id) => eventIds(r).includes(id)));
  t.ok(
    second.every((id) => eventIds(onTopic).includes(id)),
    'the broker has the batch',
  );
  t.equal(await checkpoints.load('kafka-relay'), head, 'no checkpoint while the acknowledgement is outstanding');
  t.equal(relay.state.relayedPosition, head);

  lossy.release();
  await waitUntil('a failed send', () => relay.state.sendFailures > 0, patience);
  t.equal(await checkpoints.load('kafka-relay'), head, 'a failed send is not checkpointed');

  const newHead = (await store.headPosition())!;
  await waitUntil(
    'the checkpoint at the new head',
    async () => (await checkpoints.load('kafka-relay')) === newHead,
    patience,
  );
  const all = await consumeUntil(brokers, topics, (r) =>
    second.every((id) => eventIds(r).filter((x) => x === id).length === 2),
  );
  for (const id of second) t.equal(eventIds(all).filter((x) => x === id).length, 2, `${id}: sent again`);
  t.same(
    eventIds(all).filter((id) => first.includes(id)),
    first,
    'what was acknowledged is not sent again',
  );
  t.same(
    eventIds(all).filter((id) => second.includes(id)),
    [...second, ...second],
    'the re-send repeats the batch in order (duplicates, no gap)',
  );
  t.equal(relay.state.lastError, null, 'the relay recovered');
});
