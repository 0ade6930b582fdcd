/**
 * A database that stops answering (a hung server or network: nothing fails, nothing comes back)
 * must not hold the read API's requests: every read answers 503 within DATABASE_QUERY_TIMEOUT_MS
 * (the client-side bound on an answer), and reads work again once the database answers.
 */
import { createReadModelConnection, migrateReadModel, savePublishingRecords } from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { startTcpProxy, viaProxy } from '../../../packages/event-store/test/helpers/tcp-proxy.ts';
import { buildApp } from '../src/app.ts';
import { auth, config, recordRow } from './helpers.ts';

const TIMEOUT_MS = 400;
/** The longest a read may take while the database is stalled: the client-side bound on an answer. */
const BOUND_MS = TIMEOUT_MS + 1000;

const database = await createTestDatabase('read_api_stall');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const rows = Array.from({ length: 6 }, () => recordRow({ account_id: 3 }));
await savePublishingRecords(rm.db, rows);

const target = new URL(database.url);
const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
t.teardown(() => proxy.close());
const app = await buildApp(
  {
    config: config(viaProxy(database.url, proxy), {
      DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
      DATABASE_QUERY_TIMEOUT_MS: String(BOUND_MS),
      READ_API_CACHE_MB: '0',
      READ_API_POOL_SIZE: '4',
    }),
    store: { committedHeadPosition: async () => null, readStream: async () => [] },
  },
  { logger: false },
);
t.teardown(() => app.close());

const base = '/api/v1/publisher/publishing-records';
const reads = () => [
  `${base}/`,
  `${base}/?status=pending`,
  ...rows.map((r) => `${base}/${r.id}`),
  '/api/v1/publisher/sites/10/deployment-status',
];
const timed = async (url: string) => {
  const started = Date.now();
  const res = await app.inject({ method: 'GET', url, headers: auth(3) });
  return {
    url,
    status: res.statusCode,
    body: res.json(),
    retryAfter: res.headers['retry-after'],
    ms: Date.now() - started,
  };
};

t.test('reads answer while the database does', async (t) => {
  for (const r of await Promise.all(reads().map(timed))) t.ok([200, 404].includes(r.status), r.url);
});

t.test('a stalled database: every read answers 503 within the bound, concurrent ones too', async (t) => {
  proxy.stall();
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(reads().map(timed));
    for (const r of answers) {
      t.equal(r.status, 503, `${r.url}: 503`);
      t.match(r.body, { success: false, code: 'DATABASE_UNAVAILABLE' });
      t.equal(r.retryAfter, '2');
      t.ok(r.ms < BOUND_MS + 500, `${r.url}: ${r.ms} ms, within the bound of ${BOUND_MS} ms`);
    }
  }
});

t.test('once the database answers again, so do the reads', async (t) => {
  proxy.resume({ dropHeld: true });
  const answers = await Promise.all(reads().map(timed));
  for (const r of answers) t.ok([200, 404].includes(r.status), `${r.url}: ${r.status}`);
  t.equal(answers[0]!.body.count, 6);
});
