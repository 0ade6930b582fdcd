import { createPostgresEventStore } from '@publisher/event-store';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { API, createRecord, editor, startApi, tokenFor } from './helpers.ts';

t.test('parallel legal commands on one record all succeed, in some order', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const n = 8;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      api.call({
        method: 'PATCH',
        url: `${API}/publishing-records/${record.id}`,
        payload: { metadata: { writer: i } },
      }),
    ),
  );
  t.same(
    results.map((r) => r.statusCode),
    Array(n).fill(200),
    'no legal command is lost to a race',
  );
  t.same(
    results.map((r) => Number(r.headers.etag?.replaceAll('"', ''))).sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  const events = await api.store.readStream(`publishing_record-${record.id}`);
  t.equal(events.length, n + 1);
});

t.test('parallel starts: exactly one wins, the others get 409 from fresh state', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const results = await Promise.all(
    Array.from({ length: 6 }, () => api.call({ method: 'POST', url: `${API}/publishing-records/${record.id}/start` })),
  );
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [200, 409, 409, 409, 409, 409]);
  for (const r of results.filter((r) => r.statusCode === 409)) t.equal(r.json().code, 'ILLEGAL_TRANSITION');
  t.equal((await api.store.readStream(`publishing_record-${record.id}`)).length, 2);
});

t.test('parallel commands with the same If-Match: one applies, the others get 412', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      api.call({
        method: 'PATCH',
        url: `${API}/publishing-records/${record.id}`,
        payload: { metadata: { i } },
        headers: { 'if-match': '"0"' },
      }),
    ),
  );
  t.same(results.map((r) => r.statusCode).sort(), [200, 412, 412, 412, 412]);
});

t.test('racing deploys: versions unique and increasing, never two active', async (t) => {
  const api = await startApi(t);
  const versions: number[] = [];
  for (let round = 0; round < 4; round++) {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 5 } })),
    );
    const won = results.filter((r) => r.statusCode === 201);
    t.equal(won.length, 1, `round ${round}: exactly one deployment created`);
    const active = won[0]!.json().data;
    for (const r of results.filter((r) => r.statusCode !== 201)) {
      t.equal(r.statusCode, 409);
      t.match(r.json(), { code: 'DEPLOYMENT_IN_PROGRESS', error: new RegExp(active.id) });
    }
    versions.push(active.version);
    await api.call({ method: 'POST', url: `${API}/deployments/${active.id}/fail`, payload: { error: 'done' } });
  }
  t.same(versions, [1, 2, 3, 4]);

  // Workers that deploy and finish as fast as they can, all at once.
  const created: number[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 5; i++) {
        const res = await api.call({ method: 'POST', url: `${API}/deployments/`, payload: { site_id: 5 } });
        if (res.statusCode !== 201) continue;
        created.push(res.json().data.version);
        await api.call({
          method: 'POST',
          url: `${API}/deployments/${res.json().data.id}/fail`,
          payload: { error: 'x' },
        });
      }
    }),
  );
  const sorted = [...created].sort((a, b) => a - b);
  t.same(
    sorted,
    Array.from({ length: created.length }, (_, i) => 5 + i),
    'versions are unique and gap-free',
  );
  const ledger = await api.store.readStream('site_deployments-1-5');
  t.equal(ledger.length, 4 + created.length, 'one reservation per created deployment');
});

t.test('two API instances on one database: a stale cache never gives a wrong answer', async (t) => {
  const api = await startApi(t);
  const pool = new pg.Pool({ connectionString: api.dbUrl, max: 4 });
  pool.on('error', () => {}); // the teardown's DROP DATABASE … WITH (FORCE) ends its sessions
  const store = createPostgresEventStore({ pool });
  const other = await buildApp(
    { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
    { logger: false },
  );
  t.teardown(async () => {
    await other.close();
    await store.close();
    await pool.end();
  });
  const auth = { authorization: `Bearer ${tokenFor(editor)}` };
  const record = await createRecord(api); // instance A caches it as pending
  const started = await other.inject({
    method: 'POST',
    url: `${API}/publishing-records/${record.id}/start`,
    headers: auth,
  });
  t.equal(started.statusCode, 200);
  const failed = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${record.id}/fail`,
    payload: { error: 'x' },
  });
  t.equal(failed.statusCode, 200, 'A re-reads instead of refusing from its stale cache');
  t.match(failed.json().data, { status: 'failed', revision: 2 });
  const stale = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${record.id}/retry`,
    headers: { 'if-match': '"2"' },
  });
  t.equal(stale.statusCode, 200);
  await other.inject({ method: 'POST', url: `${API}/publishing-records/${record.id}/start`, headers: auth });
  const ifMatch = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${record.id}/fail`,
    payload: { error: 'y' },
    headers: { 'if-match': '"4"' },
  });
  t.equal(ifMatch.statusCode, 200, 'If-Match is compared with the stored revision, not the cached one');
});

t.test('If-Match is judged on the stored revision, not on a stale cache of another instance', async (t) => {
  const api = await startApi(t);
  // A second API instance on the same database: it has its own state cache.
  const other = await buildApp(
    {
      store: api.store,
      pool: api.pool,
      config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }),
    },
    { logger: false },
  );
  t.teardown(() => other.close());
  const viaOther = (url: string, payload: object) =>
    other.inject({ method: 'PATCH', url, payload, headers: { authorization: `Bearer ${tokenFor(editor)}` } });

  for (const ifMatch of ['*', '"0", "1"']) {
    const created = await createRecord(api);
    const url = `${API}/publishing-records/${created.id}`;
    t.equal((await viaOther(url, { metadata: { by: 'other' } })).statusCode, 200, 'revision 1 written elsewhere');
    const res = await api.call({
      method: 'PATCH',
      url,
      payload: { metadata: { by: 'me' } },
      headers: { 'if-match': ifMatch },
    });
    t.equal(res.statusCode, 200, `If-Match ${ifMatch} holds for revision 1`);
    t.equal(res.headers.etag, '"2"');
    const stale = await api.call({
      method: 'PATCH',
      url,
      payload: { metadata: { by: 'late' } },
      headers: { 'if-match': '"1"' },
    });
    t.equal(stale.statusCode, 412, 'a precondition that no longer holds is still a 412');
  }
});
