/**
 * A database (or network) that stops answering without failing — connections stay open, queries
 * are never answered — must cost a request a bounded time: 503 within the configured timeouts, and
 * the API recovers by itself once answers flow again. Without a client-side query timeout such a
 * request would hang as long as the connection does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openEventStore } from '@publisher/event-store';
import { createTestDatabase } from '@publisher/testing';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import { startTcpProxy, viaProxy } from '../../../packages/event-store/test/helpers/tcp-proxy.ts';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { createPool, eventStoreOptions } from '../src/server.ts';
import { API, editor, recordBody, tokenFor } from './helpers.ts';

const QUERY_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 500;
// The longest a request may take while the database hangs: a query timeout, then (for a request
// needing a new connection) a connect timeout, plus scheduling slack on a busy machine.
const BOUND_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 1500;

t.test('a hung database: 503 within the timeouts, then recovery without a restart', async (t) => {
  const db = await createTestDatabase('command_api_stall');
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const config = loadCommandApiConfig({
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '100000',
    DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    DATABASE_STATEMENT_TIMEOUT_MS: '800',
    DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
  });
  const pool = createPool(config, viaProxy(db.url, proxy));
  pool.on('error', () => {});
  const store = await openEventStore(config.eventStore, eventStoreOptions(config, pool));
  const app = await buildApp({ store, pool, config }, { logger: false });
  t.teardown(async () => {
    proxy.resume();
    await app.close();
    await store.close();
    await pool.end();
    await proxy.close();
    await db.drop();
  });

  const auth = { authorization: `Bearer ${tokenFor(editor)}` };
  /** A request, timed; a hang longer than 3 × the bound fails the test instead of blocking it. */
  const timed = async (opts: InjectOptions) => {
    const started = Date.now();
    const res = await Promise.race([
      app.inject(opts),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('request hung')), 3 * BOUND_MS)),
    ]);
    return { res, ms: Date.now() - started };
  };
  const create = (key?: string) =>
    timed({
      method: 'POST',
      url: `${API}/publishing-records/`,
      payload: recordBody(),
      headers: key ? { ...auth, 'idempotency-key': key } : auth,
    });

  const created = await create();
  t.equal(created.res.statusCode, 201);
  const id = created.res.json().data.id;

  proxy.stall();
  const during = await Promise.all([
    timed({ method: 'POST', url: `${API}/publishing-records/${id}/start`, headers: auth }),
    create(),
    create('stalled-key'),
    timed({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 }, headers: auth }),
  ]);
  for (const [i, { res, ms }] of during.entries()) {
    t.equal(res.statusCode, 503, `request ${i}: 503 (${res.body.slice(0, 120)})`);
    t.ok(Number(res.headers['retry-after']) > 0, `request ${i}: Retry-After`);
    t.ok(ms < BOUND_MS, `request ${i}: answered in ${ms} ms (< ${BOUND_MS} ms)`);
  }
  const ready = await timed({ url: '/ready' });
  t.equal(ready.res.statusCode, 503, '/ready says so');

  proxy.resume();
  let recovered = 0;
  for (let i = 0; i < 30 && recovered !== 200; i++) {
    recovered = (await timed({ method: 'POST', url: `${API}/publishing-records/${id}/start`, headers: auth })).res
      .statusCode;
    if (recovered !== 200) await sleep(200);
  }
  t.equal(recovered, 200, 'commands work again once the database answers');
  t.equal((await create()).res.statusCode, 201);
  t.equal((await timed({ url: '/ready' })).res.statusCode, 200);
});
