import t from 'tap';
import { API, createRecord, editor, recordBody, startApi } from './helpers.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('a publishing record through its life cycle', async (t) => {
  const api = await startApi(t);
  const created = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody(),
    headers: { 'x-correlation-id': 'corr-1', 'x-request-id': 'req-1' },
  });
  t.equal(created.statusCode, 201, created.body);
  const record = created.json().data;
  t.match(created.json(), { success: true, request_id: 'req-1' });
  t.match(record, {
    id: /^[0-9a-f-]{36}$/,
    account_id: 1,
    site_id: 3,
    sector_id: 5,
    content_id: 42,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/x' },
    status: 'pending',
    external_url: null,
    external_id: null,
    error_message: null,
    attempts: 0,
    metadata: { title: 'Hello' },
    revision: 0,
    published_at: null,
  });
  t.same(
    Object.keys(record).sort(),
    [
      'account_id',
      'attempts',
      'content_id',
      'created_at',
      'destination',
      'destination_config',
      'error_message',
      'external_id',
      'external_url',
      'id',
      'metadata',
      'published_at',
      'revision',
      'sector_id',
      'site_id',
      'status',
      'updated_at',
    ],
    'exactly the fields of the published representation',
  );
  t.equal(created.headers.etag, '"0"');
  t.match(created.headers['x-position'], /^[0-9a-f]{16}-[0-9a-f]{16}$/);
  t.equal(created.headers.location, `${API}/publishing-records/${record.id}`);

  const [event] = await api.store.readStream(`publishing_record-${record.id}`);
  t.match(event?.metadata, {
    correlation_id: 'corr-1',
    causation_id: 'req-1',
    request_id: 'req-1',
    actor: { user_id: 'user-1', role: 'editor' },
    tenant: { account_id: 1, site_id: 3, sector_id: 5 },
    schema_version: 1,
    occurred_at: record.created_at,
  });
  t.equal(created.headers['x-position'], event?.position, 'X-Position is the event position');
  // Time-ordered ids (v7) keep the unique indexes on record and event ids taking inserts at their
  // right edge however large the store grows (see docs/scaling.md).
  t.match(record.id, UUID_V7, 'a new record id is a v7 UUID');
  t.match(event?.id, UUID_V7, 'an event id is a v7 UUID');

  const url = `${API}/publishing-records/${record.id}`;
  const started = await api.call({ method: 'POST', url: `${url}/start` });
  t.equal(started.statusCode, 200, started.body);
  t.match(started.json().data, { status: 'publishing', attempts: 1, revision: 1 });
  t.equal(started.headers.etag, '"1"');

  const failed = await api.call({ method: 'POST', url: `${url}/fail`, payload: { error: 'timeout' } });
  t.match(failed.json().data, { status: 'failed', error_message: 'timeout', revision: 2 });

  const retried = await api.call({ method: 'POST', url: `${url}/retry`, payload: {} });
  t.match(retried.json().data, { status: 'pending', revision: 3 });

  const patched = await api.call({
    method: 'PATCH',
    url,
    payload: { metadata: { title: 'Changed' } },
    headers: { 'if-match': '"3"' },
  });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json().data, { metadata: { title: 'Changed' }, revision: 4 });

  await api.call({ method: 'POST', url: `${url}/start` });
  const succeeded = await api.call({
    method: 'POST',
    url: `${url}/succeed`,
    payload: { external_url: 'https://blog.example.com/p/1', external_id: 'p-1' },
  });
  t.equal(succeeded.statusCode, 200, succeeded.body);
  t.match(succeeded.json().data, {
    status: 'published',
    external_url: 'https://blog.example.com/p/1',
    external_id: 'p-1',
    error_message: null,
    attempts: 2,
    revision: 6,
    published_at: String,
  });

  const deleted = await api.call({ method: 'DELETE', url });
  t.equal(deleted.statusCode, 200, deleted.body);
  t.match(deleted.json(), { message: 'publishing record deleted', data: { revision: 7 } });
  const afterDelete = await api.call({ method: 'POST', url: `${url}/retry` });
  t.equal(afterDelete.statusCode, 404);
  t.match(afterDelete.json(), {
    success: false,
    code: 'RECORD_DELETED',
    error: 'cannot retry a publishing record that was deleted',
  });
});

t.test('illegal transitions → 409 naming the action and the state; nothing stored', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const before = await api.eventCount();
  const res = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${record.id}/succeed`,
    payload: { external_url: 'https://x.example.com' },
  });
  t.equal(res.statusCode, 409);
  t.match(res.json(), {
    success: false,
    code: 'ILLEGAL_TRANSITION',
    error: 'cannot report the success of a publishing record that is pending',
  });
  const retry = await api.call({ method: 'POST', url: `${API}/publishing-records/${record.id}/retry` });
  t.equal(retry.statusCode, 409);
  t.equal(await api.eventCount(), before);
});

t.test('If-Match: stale → 412, current → applied, malformed → 400', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const url = `${API}/publishing-records/${record.id}`;
  t.equal((await api.call({ method: 'POST', url: `${url}/start`, headers: { 'if-match': '"0"' } })).statusCode, 200);
  const stale = await api.call({
    method: 'POST',
    url: `${url}/fail`,
    payload: { error: 'x' },
    headers: { 'if-match': '"0"' },
  });
  t.equal(stale.statusCode, 412);
  t.match(stale.json(), { success: false, code: 'PRECONDITION_FAILED' });
  t.equal(
    (await api.call({ method: 'POST', url: `${url}/fail`, payload: { error: 'x' }, headers: { 'if-match': '*' } }))
      .statusCode,
    200,
  );
  const weak = await api.call({ method: 'POST', url: `${url}/retry`, headers: { 'if-match': 'W/"2"' } });
  t.equal(weak.statusCode, 412, 'weak tags never match');
  const padded = await api.call({ method: 'POST', url: `${url}/retry`, headers: { 'if-match': '"02"' } });
  t.equal(padded.statusCode, 412, 'tags compare as strings: "02" is not the ETag "2"');
  const unbalanced = await api.call({ method: 'POST', url: `${url}/retry`, headers: { 'if-match': '"2' } });
  t.equal(unbalanced.statusCode, 400, 'unbalanced quotes are malformed');
  const bare = await api.call({ method: 'POST', url: `${url}/retry`, headers: { 'if-match': '2' } });
  t.equal(bare.statusCode, 200, 'a bare revision is taken');
  const bad = await api.call({ method: 'POST', url: `${url}/start`, headers: { 'if-match': 'yesterday' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'VALIDATION', errors: { 'headers.if-match': Array } });
});

t.test('unknown record → 404; PATCH outside pending → 409', async (t) => {
  const api = await startApi(t);
  const missing = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/00000000-0000-4000-8000-000000000000/start`,
  });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'RECORD_NOT_FOUND' });
  const record = await createRecord(api);
  await api.call({ method: 'POST', url: `${API}/publishing-records/${record.id}/start` });
  const patch = await api.call({
    method: 'PATCH',
    url: `${API}/publishing-records/${record.id}`,
    payload: { destination: 'wordpress' },
  });
  t.equal(patch.statusCode, 409);
  t.match(patch.json(), { code: 'ILLEGAL_TRANSITION' });
});

t.test('destination_config must not hold secrets', async (t) => {
  const api = await startApi(t);
  const res = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody({ destination_config: { url: 'https://hooks.example.com/x', auth: { api_key: 'k' } } }),
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'VALIDATION', errors: { 'destination_config.auth.api_key': Array } });
  t.equal(await api.eventCount(), 0);
});

t.test('a reported URL or id that exposes a credential is refused: it would be kept in the history', async (t) => {
  const api = await startApi(t);
  const id = (await api.call({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody() })).json().data
    .id;
  await api.call({ method: 'POST', url: `${API}/publishing-records/${id}/start` });
  const events = await api.eventCount();
  for (const [body, field] of [
    [{ external_url: 'https://admin:pw@cms.example.com/p/1' }, 'external_url'],
    [{ external_url: 'https://cms.example.com/p/1?access_token=abc' }, 'external_url'],
    [{ external_url: 'https://cms.example.com/p/1', external_id: 'Bearer abcdefghijklmnop' }, 'external_id'],
  ] as const) {
    const res = await api.call({ method: 'POST', url: `${API}/publishing-records/${id}/succeed`, payload: body });
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.match(res.json(), { code: 'VALIDATION', errors: { [field]: [/kept in the record's history/] } });
  }
  t.equal(await api.eventCount(), events, 'nothing stored');
  const ok = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${id}/succeed`,
    payload: { external_url: 'https://cms.example.com/p/1?page=2', external_id: 'post-1' },
  });
  t.equal(ok.statusCode, 200);
});

t.test('root publish: one record per destination', async (t) => {
  const api = await startApi(t);
  const res = await api.call({
    method: 'POST',
    url: `${API}/publish`,
    payload: {
      content_id: 9,
      site_id: 3,
      sector_id: 5,
      destinations: [
        { destination: 'webhook', destination_config: { url: 'https://hooks.example.com/a' } },
        { destination: 'wordpress' },
      ],
    },
  });
  t.equal(res.statusCode, 201, res.body);
  const records = res.json().data.records;
  t.equal(records.length, 2);
  t.match(records, [
    { destination: 'webhook', content_id: 9, status: 'pending', account_id: 1 },
    { destination: 'wordpress', destination_config: {}, status: 'pending' },
  ]);
  t.not(records[0].id, records[1].id);
  t.match(res.headers['x-position'], /^[0-9a-f]{16}-[0-9a-f]{16}$/);
  t.equal(await api.eventCount(), 2);
  void editor;
});

t.test('rate limit per account: 429 in the envelope with Retry-After', async (t) => {
  const api = await startApi(t, { RATE_LIMIT_MAX: '3' });
  for (let i = 0; i < 3; i++)
    t.equal(
      (await api.call({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody() })).statusCode,
      201,
    );
  const limited = await api.call({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody() });
  t.equal(limited.statusCode, 429);
  t.ok(Number(limited.headers['retry-after']) > 0);
  t.match(limited.json(), { success: false, code: 'RATE_LIMITED', request_id: String });
  const otherUserSameAccount = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody(),
    as: { account_id: 1, role: 'admin', sub: 'someone-else' },
  });
  t.equal(otherUserSameAccount.statusCode, 429, 'the budget is per account, not per user');
  const otherAccount = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody(),
    as: { account_id: 2, role: 'editor' },
  });
  t.equal(otherAccount.statusCode, 201);
  t.equal(await api.eventCount(), 4);
});
