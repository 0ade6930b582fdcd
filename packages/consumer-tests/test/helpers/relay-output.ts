/**
 * Real relay output on a real broker: commands through the command API (in-process, `inject`), the
 * events they append to PostgreSQL, the relay publishing them to Kafka under a unique topic prefix,
 * and every message read back from the broker as bytes. The scenario produces every public event
 * type at least once, and fails loudly when a new type is not covered.
 */
import { randomUUID } from 'node:crypto';
import { buildApp, loadCommandApiConfig } from '@publisher/command-api';
import { EVENT_CONTRACTS, PUBLISHER_TOPICS } from '@publisher/contracts';
import { startKafka, waitForTopics } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import { start as startRelay } from '@publisher/kafka-relay';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';

/** One Kafka message as consumed: text for reading, base64 of the exact bytes for handing on. */
export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  bytes: { key: string; value: string; headers: Record<string, string> };
}

export interface RelayRun {
  brokers: string;
  /** The prefix of this run's topics (the relay's `topicPrefix`). */
  prefix: string;
  /** This run's topics, in the order of PUBLISHER_TOPICS. */
  topics: string[];
  /** Every message the scenario produced, in arrival order per partition. */
  messages: Received[];
  /** Each record's status after the scenario (what a consumer tracking status ends with). */
  finalStatus: Map<string, string>;
}

type Defer = (fn: () => unknown) => void;

/** Runs the scenario; everything it starts is stopped through `defer` (last in, first out). */
export async function relayOutput(defer: Defer, name: string): Promise<RelayRun> {
  const brokers = process.env.KAFKA_BROKERS ?? (await ownBroker(defer));
  const db = await createTestDatabase(name);
  defer(db.drop);
  const pool = new pg.Pool({ connectionString: db.url, max: 5 });
  // DROP DATABASE … WITH (FORCE) at the end terminates any session still open; that is expected.
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
  const prefix = `${name}-${randomUUID().slice(0, 8)}.`;
  const relay = await startRelay({
    databaseUrl: db.url,
    brokers: [brokers],
    port: null,
    topicPrefix: prefix,
    topicPartitions: 3,
    logger: pino({ level: 'silent' }),
  });
  defer(() => relay.close());

  const token = signTestToken({ sub: 'u-1', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });
  const send = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({
      method,
      url: `/api/v1/publisher/${url}`,
      headers: { authorization: `Bearer ${token}`, 'x-correlation-id': `consumer-tests-${name}` },
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json().data as { id: string; status: string };
  };

  const finalStatus = new Map<string, string>();
  const record = await send('POST', 'publishing-records/', {
    content_id: 42,
    site_id: 7,
    sector_id: 3,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/publish' },
    metadata: { title: 'Spring launch' },
  });
  await send('PATCH', `publishing-records/${record.id}`, { metadata: { title: 'Spring launch (final)' } });
  await send('POST', `publishing-records/${record.id}/start`);
  await send('POST', `publishing-records/${record.id}/fail`, { error: 'destination answered 503' });
  await send('POST', `publishing-records/${record.id}/retry`);
  await send('POST', `publishing-records/${record.id}/start`);
  finalStatus.set(
    record.id,
    (
      await send('POST', `publishing-records/${record.id}/succeed`, {
        external_url: 'https://blog.example.com/spring-launch',
        external_id: 'post-981',
      })
    ).status,
  );
  const deleted = await send('POST', 'publishing-records/', {
    content_id: 43,
    site_id: 7,
    sector_id: 3,
    destination: 'wordpress',
  });
  await send('DELETE', `publishing-records/${deleted.id}`);
  finalStatus.set(deleted.id, 'deleted');
  const deployed = await send('POST', 'deployments/', { site_id: 8, metadata: { commit: '9f2c1e7' } });
  await send('POST', `deployments/${deployed.id}/start`);
  await send('POST', `deployments/${deployed.id}/succeed`, { deployment_url: 'https://site-8.example.com' });
  finalStatus.set(
    deployed.id,
    (await send('POST', `deployments/${deployed.id}/rollback`, { reason: 'broken navigation' })).status,
  );
  const cancelled = await send('POST', 'deployments/', { site_id: 10, metadata: { commit: 'a1' } });
  await send('PATCH', `deployments/${cancelled.id}`, { metadata: { commit: 'a2' } });
  finalStatus.set(
    cancelled.id,
    (await send('POST', `deployments/${cancelled.id}/cancel`, { reason: 'superseded' })).status,
  );
  const failed = await send('POST', 'deployments/', { site_id: 9, sector_id: 4 });
  await send('POST', `deployments/${failed.id}/start`);
  finalStatus.set(failed.id, (await send('POST', `deployments/${failed.id}/fail`, { error: 'build failed' })).status);

  const streams = [
    `publishing_record-${record.id}`,
    `publishing_record-${deleted.id}`,
    `deployment-${deployed.id}`,
    `deployment-${cancelled.id}`,
    `deployment-${failed.id}`,
  ];
  const expected = new Set((await Promise.all(streams.map((s) => store.readStream(s)))).flat().map((e) => e.id));
  const topics = PUBLISHER_TOPICS.map((topic) => prefix + topic);
  const messages = await consumeAll(brokers, topics, expected);

  const types = new Set(messages.map((m) => m.headers['event-type']));
  const missing = EVENT_CONTRACTS.filter((c) => !types.has(c.eventType)).map((c) => c.eventType);
  if (missing.length > 0)
    throw new Error(`the scenario produces no ${missing.join(', ')}: add them to relay-output.ts`);
  return { brokers, prefix, topics, messages, finalStatus };
}

async function ownBroker(defer: Defer): Promise<string> {
  const kafka = await startKafka();
  defer(() => kafka.stop());
  return kafka.brokers;
}

/** Reads `topics` from the beginning until every id of `expected` arrived (30 s at most). */
async function consumeAll(brokers: string, topics: string[], expected: Set<string>): Promise<Received[]> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, clientId: 'consumer-tests' });
  const consumer = kafka.consumer({ groupId: `consumer-tests-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  const seen = new Set<string>();
  await waitForTopics(brokers, topics, { timeoutMs: 30_000 });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${seen.size} of ${expected.size} events arrived in 30 s`)),
        30_000,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const r = toReceived(batch.topic, batch.partition, m);
              received.push(r);
              seen.add(r.headers['event-id'] ?? '');
            }
            if ([...expected].every((id) => seen.has(id))) {
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

function toReceived(topic: string, partition: number, message: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  const headerBytes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    const buffer = Buffer.isBuffer(first) ? first : Buffer.from(first);
    headers[name] = buffer.toString('utf8');
    headerBytes[name] = buffer.toString('base64');
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers,
    bytes: {
      key: message.key?.toString('base64') ?? '',
      value: message.value?.toString('base64') ?? '',
      headers: headerBytes,
    },
  };
}
