import t from 'tap';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';
import { API, type Claims, createDeployment, createRecord, editor, recordBody, startApi, tokenFor } from './helpers.ts';

const ROLES = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'] as const;
const readsAny = new Set(['support', 'developer', 'system_bot']);

t.test('the Location of a create answers with the record, for the same token', async (t) => {
  const api = await startApi(t);
  for (const [url, payload] of [
    [`${API}/publishing-records/`, recordBody()],
    [`${API}/deployments/`, { site_id: 3, metadata: { commit: 'abc' } }],
    [`${API}/deploy`, { site_id: 4 }],
  ] as const) {
    const created = await api.call({ method: 'POST', url, payload });
    t.equal(created.statusCode, 201);
    const location = created.headers.location as string;
    t.ok(location.startsWith(`${API}/`), `${url}: Location is on this API`);
    const got = await api.call({ method: 'GET', url: location });
    t.equal(got.statusCode, 200, `${url}: GET Location → 200`);
    t.same(got.json().data, created.json().data, `${url}: the same representation as the 201`);
    t.equal(got.headers.etag, created.headers.etag);
    t.equal(got.headers['x-position'], created.headers['x-position']);
    t.equal(got.headers['cache-control'], 'private, no-cache');
    t.match(got.json(), { success: true, request_id: String });
  }
});

t.test('ETag follows the revision; If-None-Match answers 304', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const url = `${API}/publishing-records/${record.id}`;
  await api.call({ method: 'POST', url: `${url}/start` });

  const got = await api.call({ method: 'GET', url });
  t.match(got.json().data, { status: 'publishing', revision: 1, attempts: 1 });
  t.equal(got.headers.etag, '"1"');

  for (const tag of ['"1"', 'W/"1"', '"0", "1"', '*']) {
    const res = await api.call({ method: 'GET', url, headers: { 'if-none-match': tag } });
    t.equal(res.statusCode, 304, `If-None-Match: ${tag} → 304`);
    t.equal(res.body, '', 'no body');
    // …and no Content-Length: one for a body that is not there breaks clients such as undici.
    t.equal(res.headers['content-length'], undefined, 'no Content-Length');
    t.equal(res.headers.etag, '"1"');
  }
  const stale = await api.call({ method: 'GET', url, headers: { 'if-none-match': '"0"' } });
  t.equal(stale.statusCode, 200, 'an older tag gets the record');

  const withPosition = await api.call({ method: 'GET', url: `${url}?min_position=${got.headers['x-position']}` });
  t.equal(withPosition.statusCode, 200, 'min_position is accepted (always satisfied here)');
  const malformed = await api.call({ method: 'GET', url: `${url}?min_position=not-a-position` });
  t.equal(malformed.statusCode, 400, 'a min_position that is not a position token is refused, as on the read API');
});

t.test('tenant-scoped like the read API: unknown, foreign, other-site and deleted records are 404', async (t) => {
  const api = await startApi(t);
  const mine = await createRecord(api, editor, { site_id: 3 });
  const foreign = await createRecord(api, { account_id: 2, role: 'editor' }, { site_id: 8 });
  const deleted = await createRecord(api);
  await api.call({ method: 'DELETE', url: `${API}/publishing-records/${deleted.id}` });
  const deployment = await createDeployment(api, { site_id: 3 });

  const cases: Array<[string, string, Claims, number]> = [
    ['unknown id', `${API}/publishing-records/${crypto.randomUUID()}`, editor, 404],
    ['unknown deployment', `${API}/deployments/${crypto.randomUUID()}`, editor, 404],
    ["another account's record", `${API}/publishing-records/${foreign.id}`, editor, 404],
    ['a deleted record', `${API}/publishing-records/${deleted.id}`, editor, 404],
    [
      'a site outside site_ids',
      `${API}/publishing-records/${mine.id}`,
      { account_id: 1, role: 'editor', site_ids: [4] },
      404,
    ],
    [
      'a site within site_ids',
      `${API}/publishing-records/${mine.id}`,
      { account_id: 1, role: 'editor', site_ids: [3] },
      200,
    ],
    ['a deployment id on the records route', `${API}/publishing-records/${deployment.id}`, editor, 404],
  ];
  for (const [name, url, as, status] of cases) {
    const res = await api.call({ method: 'GET', url, as });
    t.equal(res.statusCode, status, name);
    if (status === 404) t.match(res.json(), { success: false, code: 'RECORD_NOT_FOUND' }, `${name}: envelope`);
  }
  const noToken = await api.app.inject({ method: 'GET', url: `${API}/publishing-records/${mine.id}` });
  t.equal(noToken.statusCode, 401);
});

t.test('every role reads its own account; support, developer and system_bot read any', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api, { account_id: 2, role: 'editor' });
  const deployment = await createDeployment(api, { site_id: 3 }, { account_id: 2, role: 'owner' });
  for (const role of ROLES) {
    for (const url of [`${API}/publishing-records/${record.id}`, `${API}/deployments/${deployment.id}`]) {
      const own = await api.call({ method: 'GET', url, as: { account_id: 2, role } });
      t.equal(
        own.statusCode,
        200,
        `${role} reads its own account (${url.includes('deploy') ? 'deployment' : 'record'})`,
      );
      const other = await api.call({ method: 'GET', url, as: { account_id: 1, role } });
      t.equal(other.statusCode, readsAny.has(role) ? 200 : 404, `${role} reads another account`);
      if (other.statusCode === 200) t.equal(other.json().data.account_id, 2, 'tenant fields as stored');
    }
  }
});

t.test('a GET is never answered from a stale cache: a write through another instance shows at once', async (t) => {
  const api = await startApi(t);
  const other = await buildApp(
    {
      store: api.store,
      pool: api.pool,
      config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }),
    },
    { logger: false },
  );
  t.teardown(() => other.close());
  const record = await createRecord(api);
  const url = `${API}/publishing-records/${record.id}`;
  const authorization = `Bearer ${tokenFor(editor)}`;

  const before = await other.inject({ method: 'GET', url, headers: { authorization } });
  t.equal(before.json().data.status, 'pending');
  await api.call({ method: 'POST', url: `${url}/start` });
  const after = await other.inject({ method: 'GET', url, headers: { authorization } });
  t.match(after.json().data, { status: 'publishing', revision: 1 });
  t.equal(after.headers.etag, '"1"');
  // The read refreshed the other instance's cache, so its next command decides on the fresh state.
  const fail = await other.inject({
    method: 'POST',
    url: `${url}/fail`,
    payload: { error: 'x' },
    headers: { authorization, 'if-match': '"1"' },
  });
  t.equal(fail.statusCode, 200);
});
