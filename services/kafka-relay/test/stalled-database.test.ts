/**
 * A request lost in a network partition never gets an answer, and the connection it was sent on
 * never fails. The relay's queries are bounded by DATABASE_QUERY_TIMEOUT_MS, so it drops such
 * connections and goes on relaying, instead of waiting on them forever.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { createPostgresEventStore } from '@publisher/event-store';
import { cleanupStack, createTestDatabase, testLogger } from '@publisher/testing';
import t from 'tap';
import { startTcpProxy, viaProxy } from '../../../packages/event-store/test/helpers/tcp-proxy.ts';
import { loadRelayConfig } from '../src/config.ts';
import { start } from '../src/relay.ts';
import { execPublishing, lifecycleCommands, type Tenant } from './helpers/fixtures.ts';
import { consumeUntil, kafkaBrokers } from './helpers/kafka.ts';

const defer = cleanupStack(t);

t.test('requests lost while the database hung do not stop the relay', async (t) => {
  const db = await createTestDatabase('relay_stall');
  defer(db.drop);
  const brokers = await kafkaBrokers({ teardown: defer });
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  defer(proxy.close);
  const direct = createPostgresEventStore({ connectionString: db.url });
  await direct.migrate();
  defer(() => direct.close());

  const prefix = `stall-${randomUUID().slice(0, 8)}.`;
  const config = loadRelayConfig({
    DATABASE_URL: viaProxy(db.url, proxy),
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    STATUS_ENABLED: 'false',
    RELAY_MAX_BACKOFF_MS: '200',
    DATABASE_CONNECT_TIMEOUT_MS: '500',
    DATABASE_STATEMENT_TIMEOUT_MS: '500',
    DATABASE_QUERY_TIMEOUT_MS: '1000',
  });
  t.same(config.database, { connectTimeoutMs: 500, statementTimeoutMs: 500, queryTimeoutMs: 1000 });
  const relay = await start({ ...config, logger: testLogger('relay-stall') });
  defer(() => relay.close());

  const write = async () => {
    const id = randomUUID();
    const tenant: Tenant = { account_id: 1, site_id: 10, sector_id: 100 };
    const [create] = lifecycleCommands(id, tenant);
    await execPublishing(direct, id, tenant, create!);
    return (await direct.readStream(`publishing_record-${id}`))[0]!.id;
  };
  const topics = [prefix + PUBLISHING_RECORDS_TOPIC];
  const delivered = (eventId: string) =>
    consumeUntil(brokers, topics, (received) => received.some((r) => r.headers['event-id'] === eventId), 20_000);

  const first = await write();
  t.ok(
    (await delivered(first)).some((r) => r.headers['event-id'] === first),
    'relaying before the hang',
  );

  // The relay polls the log continuously: during a 300 ms hang its queries are in flight, and lost.
  proxy.stall();
  await sleep(300);
  proxy.resume({ dropHeld: true });

  const after = await write();
  t.ok(
    (await delivered(after)).some((r) => r.headers['event-id'] === after),
    'events written after the hang reach Kafka',
  );
});
