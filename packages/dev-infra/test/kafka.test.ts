/**
 * Against the broker the test run provides (`pnpm test` starts one unless KAFKA_BROKERS is set):
 * the configuration the relay and the publishing worker rely on really holds.
 */
import { randomUUID } from 'node:crypto';
import { type IHeaders, Kafka, type KafkaMessage, logLevel, Partitioners } from 'kafkajs';
import t from 'tap';
import { waitForTopics } from '../src/index.ts';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `pnpm test`, which starts Kafka');

const kafka = new Kafka({ clientId: 'dev-infra-test', brokers: brokers.split(','), logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
t.teardown(() => admin.disconnect());

interface Received {
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
}

function decode(message: KafkaMessage, partition: number): Received {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? ({} as IHeaders))) headers[name] = String(value);
  return { key: String(message.key), value: String(message.value), headers, partition };
}

/** Consumes `topic` with `groupId` until `count` messages arrived, then disconnects (committing offsets). */
async function consume(topic: string, groupId: string, count: number): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Received[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length}/${count} messages arrived`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            received.push(decode(message, partition));
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}

t.test('keyed messages with headers round-trip through a consumer group in per-key order', async (t) => {
  const topic = `dev-infra-test-${randomUUID()}`;
  t.ok(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false }), 'topic created');
  await waitForTopics(brokers, [topic]);
  t.teardown(() => admin.deleteTopics({ topics: [topic] }).catch(() => {}));

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  t.teardown(() => producer.disconnect());

  const records = [randomUUID(), randomUUID(), randomUUID()];
  const sent = records.flatMap((id) =>
    [1, 2, 3, 4].map((seq) => ({
      key: id,
      value: JSON.stringify({ id, seq }),
      headers: { 'event-id': randomUUID(), 'event-type': `step-${seq}`, 'schema-version': '1' },
    })),
  );
  const acks = await producer.send({ topic, acks: -1, messages: sent });
  t.equal(
    acks.reduce((n, a) => n + a.errorCode, 0),
    0,
    'every partition acknowledged without error',
  );

  const received = await consume(topic, `dev-infra-test-${randomUUID()}`, sent.length);
  t.equal(received.length, sent.length, 'each message arrives once');
  for (const id of records) {
    const mine = received.filter((m) => m.key === id);
    t.same(
      mine.map((m) => JSON.parse(m.value).seq),
      [1, 2, 3, 4],
      `messages of ${id.slice(0, 8)} arrive in the order they were sent`,
    );
    t.equal(new Set(mine.map((m) => m.partition)).size, 1, 'one key always lands on one partition');
    const expected = sent.filter((m) => m.key === id).map((m) => m.headers);
    t.same(
      mine.map((m) => m.headers),
      expected,
      'headers arrive unchanged',
    );
  }
});

t.test('a consumer group resumes after its committed offset', async (t) => {
  const topic = `dev-infra-test-${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
  await waitForTopics(brokers, [topic]);
  t.teardown(() => admin.deleteTopics({ topics: [topic] }).catch(() => {}));
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const groupId = `dev-infra-test-${randomUUID()}`;

  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'first' }] });
  t.same(
    (await consume(topic, groupId, 1)).map((m) => m.value),
    ['first'],
  );
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'second' }] });
  t.same(
    (await consume(topic, groupId, 1)).map((m) => m.value),
    ['second'],
    'the same group does not see the first message again',
  );
});

t.test('topics are never auto-created: asking for an unknown topic fails and creates nothing', async (t) => {
  const topic = `dev-infra-missing-${randomUUID()}`;
  // kafkajs logs the broker's refusal at ERROR level; here it is the expected outcome.
  const quiet = new Kafka({ clientId: 'dev-infra-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const quietAdmin = quiet.admin();
  await quietAdmin.connect();
  t.teardown(() => quietAdmin.disconnect());
  await t.rejects(quietAdmin.fetchTopicMetadata({ topics: [topic] }), {
    message: /does not host this topic-partition/,
  });
  t.notOk((await admin.listTopics()).includes(topic));
});
