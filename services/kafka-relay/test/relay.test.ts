import { randomUUID } from 'node:crypto';
import { DEPLOYMENTS_TOPIC, decodeEventMessage, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { createPostgresEventStore, type RecordedEvent } from '@publisher/event-store';
import { cleanupStack, createTestDatabase, scrapeMetrics, testLogger, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { start } from '../src/relay.ts';
import {
  createDeployment,
  execDeployment,
  execPublishing,
  lifecycleCommands,
  type Tenant,
} from './helpers/fixtures.ts';
import { consumeUntil, kafkaBrokers, type Received } from './helpers/kafka.ts';

const defer = cleanupStack(t);
const db = await createTestDatabase('relay');
defer(db.drop);
const brokers = await kafkaBrokers({ teardown: defer });
const store = createPostgresEventStore({ connectionString: db.url });
await store.migrate();
defer(() => store.close());
const prefix = `relay-${randomUUID().slice(0, 8)}.`;
const topics = [prefix + PUBLISHING_RECORDS_TOPIC, prefix + DEPLOYMENTS_TOPIC];
const relayOptions = {
  databaseUrl: db.url,
  brokers: [brokers],
  port: 0,
  topicPrefix: prefix,
  topicPartitions: 3,
  batchSize: 50,
  logger: testLogger('relay'),
};

/** Writes `records` publishing-record lives and `sites` deployments, interleaved, concurrently. */
async function writeTraffic(records: number, sites: number): Promise<string[]> {
  const streams: string[] = [];
  const lives = Array.from({ length: records }, async (_, i) => {
    const id = randomUUID();
    streams.push(`publishing_record-${id}`);
    const tenant: Tenant = { account_id: 1 + (i % 3), site_id: 10 + i, sector_id: 100 };
    for (const command of lifecycleCommands(id, tenant)) await execPublishing(store, id, tenant, command);
  });
  const deployments = Array.from({ length: sites }, async (_, i) => {
    const tenant: Tenant = { account_id: 1, site_id: 500 + i, sector_id: null };
    const d = await createDeployment(store, tenant);
    streams.push(`deployment-${d.id}`);
    await execDeployment(store, d.id, tenant, { type: 'StartDeployment', data: {} });
    await execDeployment(store, d.id, tenant, {
      type: 'SucceedDeployment',
      data: { deployment_url: `https://site-${i}.test` },
    });
  });
  await Promise.all([...lives, ...deployments]);
  return streams;
}

const publicEventsOf = async (streams: string[]): Promise<RecordedEvent[]> =>
  (await Promise.all(streams.map((s) => store.readStream(s)))).flat();

const seenAll = (ids: Set<string>) => (received: Received[]) => {
  const got = new Set(received.map((r) => r.headers['event-id']));
  for (const id of ids) if (!got.has(id)) return false;
  return true;
};

t.test('every appended event reaches its topic, keyed by record, in per-record order, with headers', async (t) => {
  const before = await writeTraffic(10, 2); // a backlog written before the relay starts
  const relay = await start(relayOptions);
  defer(() => relay.close());
  const live = await writeTraffic(10, 2); // and live traffic while it runs
  const streams = [...before, ...live];
  const expected = await publicEventsOf(streams);
  t.equal(expected.length, 20 * 6 + 4 * 3);

  const received = await consumeUntil(brokers, topics, seenAll(new Set(expected.map((e) => e.id))));
  const byId = new Map(received.map((r) => [r.headers['event-id'], r]));
  for (const event of expected) {
    const message = byId.get(event.id)!;
    const recordId = event.stream.slice(event.stream.indexOf('-') + 1);
    const topic = event.stream.startsWith('deployment-') ? topics[1] : topics[0];
    if (message.topic !== topic || message.key !== recordId) {
      t.fail(`event ${event.type} of ${event.stream} on ${message.topic} with key ${message.key}`);
      continue;
    }
    const decoded = decodeEventMessage({ key: message.key, value: message.value, headers: message.headers });
    if (!decoded.ok) {
      t.fail(`event ${event.id} does not decode: ${decoded.error.code}`);
      continue;
    }
    const e = decoded.event;
    const h = message.headers;
    const headersRight =
      h['event-type'] === e.event_type &&
      h['schema-version'] === '1' &&
      h['account-id'] === String(event.metadata.tenant.account_id) &&
      h['correlation-id'] === event.metadata.correlation_id &&
      h.position === event.position &&
      e.position === event.position &&
      !('causation-id' in h);
    if (!headersRight) t.fail(`headers of ${event.id}: ${JSON.stringify(h)}`);
  }
  t.pass(`${expected.length} events checked for topic, key, value and headers`);

  // Per record: the order of arrival equals the order of the stream (one partition per key).
  const arrival = new Map<string, string[]>();
  for (const r of received) arrival.set(r.key!, [...(arrival.get(r.key!) ?? []), r.headers['event-id']!]);
  let outOfOrder = 0;
  for (const stream of streams) {
    const ids = (await store.readStream(stream)).map((e) => e.id);
    const got = arrival.get(stream.slice(stream.indexOf('-') + 1));
    if (JSON.stringify(got) !== JSON.stringify(ids)) outOfOrder++;
  }
  t.equal(outOfOrder, 0, 'every record arrives in stream order, exactly once in a clean run');
  t.notOk(
    received.some((r) => r.headers['event-type'] === 'DeploymentVersionReserved' || r.key?.startsWith('site')),
    'the site ledger stays internal',
  );

  // The checkpoint only moves after the broker acknowledged, so once all arrived it reaches the head.
  const head = (await store.readAll()).at(-1)?.position;
  await waitUntil('the relay to reach the head', () => relay.state.relayedPosition === head, {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  const health = await (await fetch(`http://127.0.0.1:${relay.port}/health`)).json();
  t.match(health, {
    status: 'ok',
    role: 'active',
    broker: 'connected',
    relayed_position: head,
    caught_up: true,
    lag_seconds: 0,
    // Every message checked above was encoded by the relay's record encoder, not kafkajs'.
    record_encoder: 'relay',
  });
  const metrics = await scrapeMetrics(`http://127.0.0.1:${relay.port}/metrics`);
  t.equal(metrics.value('publisher_relay_events_total'), expected.length);
  t.equal(metrics.value('publisher_relay_lag_seconds'), 0);
  t.equal(metrics.value('publisher_relay_lag_events'), 0);
  t.equal(metrics.value('publisher_relay_broker_up'), 1);
  t.ok(metrics.histogramCount('publisher_relay_send_duration_seconds') >= 1, 'sends timed');
  t.notOk(metrics.labelNames().has('position'), 'no position label');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query('SELECT position FROM relay_checkpoints WHERE name = $1', ['kafka-relay']);
  await client.end();
  t.equal(rows[0]?.position, head, 'the checkpoint table holds the relayed position');
  await relay.close();

  // Restarting resumes from the checkpoint: new events arrive, acknowledged ones are not sent again.
  const later = await writeTraffic(3, 0);
  const lag = await startAndMeasureLag();
  t.ok(lag > 0, `a stopped relay reports lag (${lag.toFixed(2)} s) instead of pretending to be caught up`);
  const again = await start(relayOptions);
  defer(() => again.close());
  const laterIds = new Set((await publicEventsOf(later)).map((e) => e.id));
  const all = await consumeUntil(brokers, topics, seenAll(new Set([...expected.map((e) => e.id), ...laterIds])));
  const counts = new Map<string, number>();
  for (const r of all) counts.set(r.headers['event-id']!, (counts.get(r.headers['event-id']!) ?? 0) + 1);
  t.equal(
    [...counts.values()].filter((n) => n > 1).length,
    0,
    'a clean stop and restart re-sends nothing the broker acknowledged',
  );
  t.equal(all.length, expected.length + laterIds.size);
});

/**
 * A second relay under another name starts from the beginning and sees the whole backlog as lag,
 * once it is the active relay of that name (a standby reports none); its broker is unreachable.
 */
async function startAndMeasureLag(): Promise<number> {
  const probe = await start({ ...relayOptions, name: `probe-${randomUUID()}`, brokers: ['127.0.0.1:1'] });
  try {
    let lag: number | null = null;
    await waitUntil('the probe to become the active relay of its name', async () => {
      const health = (await (await fetch(`http://127.0.0.1:${probe.port}/health`)).json()) as {
        role: string;
        lag_seconds: number | null;
      };
      lag = health.lag_seconds;
      return health.role === 'active' && lag !== null;
    });
    return lag ?? 0;
  } finally {
    await probe.close();
  }
}
