/**
 * PostgreSQL going away and coming back: appends and reads answer EventStoreUnavailableError (the
 * HTTP layer's 503) while it is unreachable, the pool recovers by itself, and a running
 * subscription resumes without losing or repeating events. The outage is a TCP proxy cut, so the
 * server the other test files share keeps running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from '@publisher/coordination';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import t from 'tap';
import { isEventStoreUnavailable } from '../src/errors.ts';
import { createPostgresEventStore, type RecordedEvent } from '../src/index.ts';
import { newEvents, streamName } from './contract/fixtures.ts';
import { startTcpProxy, viaProxy } from './helpers/tcp-proxy.ts';

t.test('unreachable PostgreSQL → EventStoreUnavailableError; the store recovers by itself', async (t) => {
  const db = await createTestDatabase('es_outage');
  t.teardown(db.drop);
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  t.teardown(proxy.close);
  const store = createPostgresEventStore({
    connectionString: viaProxy(db.url, proxy),
    pollIntervalMs: 50,
    connectionTimeoutMs: 1000,
  });
  t.teardown(() => store.close());
  await store.migrate();

  const stream = streamName('outage');
  await store.append(stream, newEvents(2), 'no_stream');

  const received: RecordedEvent[] = [];
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const subscription = (async () => {
    for await (const batch of store.subscribe({ signal: controller.signal })) received.push(...batch);
  })();
  const receivedAtLeast = (n: number) => waitUntil(`${n} events received`, () => received.length >= n);
  await receivedAtLeast(2);
  t.equal(received.length, 2, 'subscription caught up before the outage');

  await proxy.cut();
  const started = Date.now();
  for (const [name, attempt] of [
    ['append', () => store.append(stream, newEvents(1), 1)],
    ['readStream', () => store.readStream(stream)],
    ['readAll', () => store.readAll()],
    ['headPosition', () => store.headPosition()],
    ['committedHeadPosition', () => store.committedHeadPosition()],
    ['ping', () => store.ping()],
  ] as const) {
    const err = await (attempt as () => Promise<unknown>)().then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(isEventStoreUnavailable(err), `${name} fails with EVENT_STORE_UNAVAILABLE`);
  }
  t.ok(Date.now() - started < 10_000, 'failures are prompt (connection timeout), not hangs');

  await proxy.restore();
  const after = await store.append(stream, newEvents(1), 1);
  t.equal(after.next_revision, 2, 'the first append after the outage succeeds: the pool reconnected');
  t.equal((await store.readStream(stream)).length, 3, 'the append during the outage stored nothing');

  await receivedAtLeast(3);
  controller.abort();
  await subscription;
  t.same(
    received.map((e) => e.revision),
    [0, 1, 2],
    'the subscription survived the outage: each event once, in order',
  );
});

t.test('hung PostgreSQL (no answer, nothing closed) → unavailable within queryTimeoutMs; recovers', async (t) => {
  const db = await createTestDatabase('es_stall');
  t.teardown(db.drop);
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  t.teardown(proxy.close);
  const store = createPostgresEventStore({
    connectionString: viaProxy(db.url, proxy),
    connectionTimeoutMs: 500,
    statementTimeoutMs: 500,
    queryTimeoutMs: 1000,
  });
  t.teardown(async () => {
    proxy.resume();
    await store.close();
  });
  await store.migrate();
  const stream = streamName('stall');
  await store.append(stream, newEvents(1), 'no_stream');

  proxy.stall();
  for (const [name, attempt] of [
    ['append', () => store.append(stream, newEvents(1), 0)],
    ['readStream', () => store.readStream(stream)],
    ['readAll', () => store.readAll()],
  ] as const) {
    const started = Date.now();
    // withTimeout clears its timer, so a settled attempt leaves nothing to keep the process alive.
    const err = await withTimeout((attempt as () => Promise<unknown>)(), 8000, () => new Error('hung')).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(isEventStoreUnavailable(err), `${name} fails with EVENT_STORE_UNAVAILABLE (${String(err)})`);
    t.ok(Date.now() - started < 3000, `${name}: within the query timeout (+ a connect timeout)`);
  }

  proxy.resume();
  let appended = false;
  for (let i = 0; i < 30 && !appended; i++) {
    appended = await store.append(stream, newEvents(1), 0).then(
      () => true,
      () => false,
    );
    if (!appended) await sleep(200);
  }
  t.ok(appended, 'appends work again once PostgreSQL answers');
  t.equal((await store.readStream(stream)).length, 2, 'the append during the hang was not stored');
});
