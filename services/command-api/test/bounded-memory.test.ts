/**
 * What the command API keeps is bounded in bytes: the append queue of the group commit (503 with
 * Retry-After when full, instead of piling up), and idempotency rows (a large response is kept as
 * references to its records, not as its body). The state cache has its own test (state-cache.test.ts).
 */
import pg from 'pg';
import t, { type Test } from 'tap';
import { API, recordBody, startApi } from './helpers.ts';

async function start(t: Test, env: NodeJS.ProcessEnv) {
  const api = await startApi(t, env);
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    api.call({ method: 'POST', url: `${API}${url}`, payload, headers });
  return { dbUrl: api.dbUrl, pool: api.pool, post, events: api.eventCount };
}

t.test('a full append queue answers 503 with Retry-After at once; what was queued is stored', async (t) => {
  const api = await start(t, { APPEND_QUEUE_MB: '1', APPEND_CONCURRENCY: '1' });
  // Holds every insert back: the first append stays in flight, the next ones queue behind it.
  const lock = new pg.Client({ connectionString: api.dbUrl });
  await lock.connect();
  t.teardown(() => lock.end());
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE event_store.events IN EXCLUSIVE MODE');

  const big = recordBody({ metadata: { body: 'x'.repeat(60_000) } });
  const started = Date.now();
  const pending = Array.from({ length: 40 }, () => api.post('/publishing-records/', big));
  // The refused ones answer while the lock still holds: they never waited for PostgreSQL.
  const early = await Promise.race([
    Promise.all(pending.map((p) => p.then((r) => r.statusCode))),
    new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 1500)),
  ]);
  t.equal(early, 'waiting', 'the accepted ones wait for PostgreSQL');
  await lock.query('COMMIT');
  const responses = await Promise.all(pending);
  const refused = responses.filter((r) => r.statusCode === 503);
  const created = responses.filter((r) => r.statusCode === 201);
  t.equal(refused.length + created.length, 40, 'every answer is a 201 or a 503');
  t.ok(refused.length >= 15, `${refused.length} refused: about 1 MiB of 60 KB appends may wait`);
  t.ok(created.length >= 10, `${created.length} created`);
  for (const r of refused) {
    t.match(r.json(), { success: false, code: 'APPEND_QUEUE_FULL' });
    t.ok(Number(r.headers['retry-after']) > 0, 'Retry-After');
  }
  t.equal(await api.events(), created.length, 'exactly the accepted creates were stored');
  t.ok(Date.now() - started < 30_000);
});

t.test('large idempotent responses are kept as references, and replayed as they were', async (t) => {
  const api = await start(t, { IDEMPOTENCY_MAX_RESPONSE_BYTES: '2048' });
  const rowSizes = async () =>
    (
      await api.pool.query<{ key: string; bytes: number; by_ref: boolean }>(
        `SELECT key, coalesce(pg_column_size(response), 0) + coalesce(pg_column_size(response_ref), 0) AS bytes,
                response_ref IS NOT NULL AS by_ref
           FROM command_api.idempotency_keys`,
      )
    ).rows;
  const metadata = { body: 'y'.repeat(20_000), n: 1 };
  const cases: Array<[string, string, object]> = [
    ['record', '/publishing-records/', recordBody({ metadata })],
    ['deploy', '/deploy', { site_id: 7, metadata }],
    [
      'publish',
      '/publish',
      {
        content_id: 1,
        site_id: 3,
        sector_id: 5,
        destinations: [
          { destination: 'webhook', destination_config: { note: 'z'.repeat(15_000) } },
          { destination: 'wordpress', destination_config: { note: 'w'.repeat(15_000) } },
        ],
      },
    ],
    ['small', '/publishing-records/', recordBody()],
  ];
  for (const [name, url, payload] of cases) {
    const first = await api.post(url, payload, { 'idempotency-key': `key-${name}` });
    t.equal(first.statusCode, 201, name);
    const replay = await api.post(url, payload, { 'idempotency-key': `key-${name}` });
    t.equal(replay.statusCode, 201, `${name}: replayed`);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    // The same JSON; keys inside metadata / destination_config may come in the event store's
    // (jsonb) order when the body was rebuilt from it.
    t.same(replay.json(), first.json(), `${name}: the same response`);
    t.equal(replay.headers.etag, first.headers.etag);
    t.equal(replay.headers['x-position'], first.headers['x-position']);
  }
  const rows = new Map((await rowSizes()).map((r) => [r.key, r]));
  for (const name of ['record', 'deploy', 'publish']) {
    t.equal(rows.get(`key-${name}`)?.by_ref, true, `${name}: kept by reference`);
    t.ok(
      (rows.get(`key-${name}`)?.bytes ?? Infinity) < 1024,
      `${name}: ${rows.get(`key-${name}`)?.bytes} bytes stored`,
    );
  }
  t.equal(rows.get('key-small')?.by_ref, false, 'a small response is kept as it is');

  // A record changed after its create still replays the create's answer (its state at revision 0).
  const created = await api.post('/publishing-records/', recordBody({ metadata }), { 'idempotency-key': 'later' });
  const id = created.json().data.id;
  t.equal((await api.post(`/publishing-records/${id}/start`, {})).statusCode, 200);
  const replay = await api.post('/publishing-records/', recordBody({ metadata }), { 'idempotency-key': 'later' });
  t.same(replay.json(), created.json(), 'the create answer, not the record now');
});
