import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmbeddedPostgres } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { API, editor, recordBody, tokenFor } from './helpers.ts';

t.test('PostgreSQL down → 503 with Retry-After; the API recovers by itself when it returns', async (t) => {
  // A dedicated server this test may stop and start again, with a persistent data directory.
  const dataDir = path.resolve('.data', `pg-availability-${process.pid}`);
  let server = await startEmbeddedPostgres({ dataDir, persistent: true });
  const port = Number(new URL(server.url).port);
  const pool = new pg.Pool({ connectionString: server.url, max: 5, connectionTimeoutMillis: 2000 });
  pool.on('error', () => {});
  const store = createPostgresEventStore({ pool });
  await store.migrate();
  const app = await buildApp({ store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent' }) }, { logger: false });
  t.teardown(async () => {
    await app.close();
    await store.close();
    await pool.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const auth = { authorization: `Bearer ${tokenFor(editor)}` };
  const create = () =>
    app.inject({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody(), headers: auth });

  const created = await create();
  t.equal(created.statusCode, 201);
  const id = created.json().data.id;
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200);

  await server.stop();

  const down = await app.inject({ method: 'POST', url: `${API}/publishing-records/${id}/start`, headers: auth });
  t.equal(down.statusCode, 503, down.body);
  t.ok(Number(down.headers['retry-after']) > 0, 'Retry-After');
  t.match(down.json(), { success: false, code: /UNAVAILABLE$/, request_id: String });
  t.notMatch(down.body, /ECONNREFUSED|127\.0\.0\.1/, 'no internals leak');
  const createDown = await create();
  t.equal(createDown.statusCode, 503);
  const keyed = await app.inject({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody(),
    headers: { ...auth, 'idempotency-key': 'k' },
  });
  t.equal(keyed.statusCode, 503, 'the idempotency table is a dependency too');
  const ready = await app.inject({ url: '/ready' });
  t.equal(ready.statusCode, 503);
  t.match(ready.json(), { code: 'NOT_READY', errors: { database: ['unavailable'] } });
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'still alive');

  server = await startEmbeddedPostgres({ dataDir, port, persistent: true });

  let recovered = 0;
  for (let i = 0; i < 50 && recovered !== 200; i++) {
    recovered = (await app.inject({ method: 'POST', url: `${API}/publishing-records/${id}/start`, headers: auth }))
      .statusCode;
    if (recovered !== 200) await sleep(200);
  }
  t.equal(recovered, 200, 'commands work again without a restart');
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200);
  t.equal((await create()).statusCode, 201);
});
