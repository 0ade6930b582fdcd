import t from 'tap';
import { API, recordBody, startApi } from './helpers.ts';

t.test('Idempotency-Key on creates', async (t) => {
  const api = await startApi(t);
  const post = (
    key: string,
    payload: unknown,
    url = `${API}/publishing-records/`,
    as = { account_id: 1, role: 'editor' },
  ) => api.call({ method: 'POST', url, payload: payload as object, headers: { 'idempotency-key': key }, as });

  const first = await post('key-1', recordBody());
  t.equal(first.statusCode, 201);
  const replay = await post('key-1', { ...recordBody() });
  t.equal(replay.statusCode, 201);
  t.same(replay.json(), first.json(), 'same key + same body → the original response');
  t.equal(replay.headers.etag, first.headers.etag);
  t.equal(replay.headers['x-position'], first.headers['x-position']);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  const reordered = Object.fromEntries(Object.entries(recordBody()).reverse());
  t.same((await post('key-1', reordered)).json(), first.json(), 'key order in the body does not matter');
  t.equal(await api.eventCount(), 1, 'stored once');

  const different = await post('key-1', recordBody({ content_id: 43 }));
  t.equal(different.statusCode, 422);
  t.match(different.json(), { success: false, code: 'IDEMPOTENCY_KEY_REUSED' });
  const otherRoute = await post('key-1', { site_id: 3 }, `${API}/deploy`);
  t.equal(otherRoute.statusCode, 422, 'a key is bound to its endpoint too');

  const otherAccount = await post('key-1', recordBody(), `${API}/publishing-records/`, {
    account_id: 2,
    role: 'editor',
  });
  t.equal(otherAccount.statusCode, 201, 'keys are scoped by account');
  t.not(otherAccount.json().data.id, first.json().data.id);

  // A failed command releases its key.
  const bad = await post('key-2', recordBody({ destination_config: { password: 'x' } }));
  t.equal(bad.statusCode, 400);
  const deploy1 = await post('key-3', { site_id: 9 }, `${API}/deploy`);
  t.equal(deploy1.statusCode, 201);
  const blocked = await post('key-4', { site_id: 9 }, `${API}/deploy`);
  t.equal(blocked.statusCode, 409, 'a 409 is not remembered');
  await api.call({ method: 'POST', url: `${API}/deployments/${deploy1.json().data.id}/fail`, payload: { error: 'x' } });
  const retried = await post('key-4', { site_id: 9 }, `${API}/deploy`);
  t.equal(retried.statusCode, 201, 'the same key works once the conflict is gone');
  t.equal(retried.json().data.version, 2);
  t.same((await post('key-3', { site_id: 9 }, `${API}/deploy`)).json(), deploy1.json(), 'deploy replays too');

  const publish = {
    content_id: 1,
    site_id: 3,
    sector_id: 5,
    destinations: [{ destination: 'webhook' }, { destination: 'wordpress' }],
  };
  const p1 = await post('key-5', publish, `${API}/publish`);
  t.equal(p1.statusCode, 201);
  t.same((await post('key-5', publish, `${API}/publish`)).json(), p1.json());

  const malformed = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody(),
    headers: { 'idempotency-key': 'x'.repeat(201) },
  });
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json(), { code: 'VALIDATION', errors: { 'headers.idempotency-key': Array } });
});

t.test('a key reused after it expired creates a new record from the new body', async (t) => {
  const api = await startApi(t);
  const post = (payload: object) =>
    api.call({
      method: 'POST',
      url: `${API}/publishing-records/`,
      payload,
      headers: { 'idempotency-key': 'daily-42' },
    });
  const first = await post(recordBody({ content_id: 42 }));
  t.equal(first.statusCode, 201);
  await api.pool.query(`UPDATE command_api.idempotency_keys SET created_at = now() - interval '25 hours'`);
  const second = await post(recordBody({ content_id: 99 }));
  t.equal(second.statusCode, 201, second.body);
  t.not(second.json().data.id, first.json().data.id, 'a new record, not the old one');
  t.equal(second.json().data.content_id, 99);
  const stored = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${second.json().data.id}/start`,
  });
  t.equal(stored.json().data.content_id, 99, 'what the response said is what was stored');
  t.equal(await api.eventCount(), 3, 'two creates and a start');
});

t.test('parallel requests with one key create one record', async (t) => {
  const api = await startApi(t);
  const results = await Promise.all(
    Array.from({ length: 5 }, () =>
      api.call({
        method: 'POST',
        url: `${API}/publishing-records/`,
        payload: recordBody(),
        headers: { 'idempotency-key': 'race' },
      }),
    ),
  );
  for (const r of results)
    t.ok(
      r.statusCode === 201 || (r.statusCode === 409 && r.json().code === 'IDEMPOTENCY_KEY_IN_USE'),
      `${r.statusCode}`,
    );
  const ids = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().data.id));
  t.equal(ids.size, 1, 'every success names the same record');
  t.equal(await api.eventCount(), 1);
});

t.test('a key abandoned mid-request (crash) is recovered without duplicates', async (t) => {
  const api = await startApi(t);
  const body = { content_id: 1, site_id: 3, sector_id: 5, destinations: [{ destination: 'a' }, { destination: 'b' }] };
  const first = await api.call({
    method: 'POST',
    url: `${API}/publish`,
    payload: body,
    headers: { 'idempotency-key': 'crash' },
  });
  t.equal(first.statusCode, 201);
  // Pretend the process died after appending but before storing the response.
  await api.pool.query(
    `UPDATE command_api.idempotency_keys SET state = 'in_progress', status_code = NULL, response = NULL, locked_until = now() - interval '1 second'`,
  );
  const again = await api.call({
    method: 'POST',
    url: `${API}/publish`,
    payload: body,
    headers: { 'idempotency-key': 'crash' },
  });
  t.equal(again.statusCode, 201, again.body);
  t.same(
    again.json().data.records.map((r: { id: string }) => r.id),
    first.json().data.records.map((r: { id: string }) => r.id),
    'the same records, read back',
  );
  t.equal(await api.eventCount(), 2, 'no duplicate events');

  const d = await api.call({
    method: 'POST',
    url: `${API}/deploy`,
    payload: { site_id: 3 },
    headers: { 'idempotency-key': 'crash-d' },
  });
  await api.pool.query(
    `UPDATE command_api.idempotency_keys SET state = 'in_progress', status_code = NULL, response = NULL, locked_until = now() - interval '1 second' WHERE key = 'crash-d'`,
  );
  const d2 = await api.call({
    method: 'POST',
    url: `${API}/deploy`,
    payload: { site_id: 3 },
    headers: { 'idempotency-key': 'crash-d' },
  });
  t.equal(d2.statusCode, 201, d2.body);
  t.equal(d2.json().data.id, d.json().data.id);
  t.equal(d2.json().data.version, 1);
});
