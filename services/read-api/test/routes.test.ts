import {
  clearProjectionStopped,
  compareAndSetCheckpoint,
  createReadModelConnection,
  deploymentRepresentation,
  listDeployments,
  listPublishingRecords,
  loadDeployments,
  loadPublishingRecords,
  markProjectionStopped,
  migrateReadModel,
  notifyCheckpoint,
  publishingRecordRepresentation,
  saveDeployments,
  savePublishingRecords,
} from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { auth, config, deploymentRow, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_api');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const app = await buildApp(
  { config: config(database.url, { READ_API_MIN_POSITION_TIMEOUT_MS: '300' }) },
  { logger: false },
);
t.teardown(() => app.close());

const base = '/api/v1/publisher';
const get = (url: string, headers: Record<string, string> = auth(1)) => app.inject({ method: 'GET', url, headers });

const mine = [
  recordRow({ site_id: 11, status: 'failed', error_message: 'boom', content_id: 7, attempts: 1, revision: 2 }),
  recordRow({ site_id: 11, status: 'published', destination: 'wordpress', external_url: 'https://x.test/1' }),
  recordRow({ site_id: 12 }),
  recordRow({ site_id: 12, deleted: true }),
];
const theirs = recordRow({ account_id: 2, site_id: 11, content_id: 7 });
await savePublishingRecords(rm.db, [...mine, theirs]);
const v1 = deploymentRow({
  site_id: 11,
  version: 1,
  status: 'deployed',
  deployment_url: 'https://v1.test',
  deployed_at: '2024-05-02T00:00:00.000Z',
});
const v2 = deploymentRow({ site_id: 11, version: 2, status: 'failed', error_message: 'nope', revision: 2 });
const other = deploymentRow({ account_id: 2, site_id: 21, version: 1, status: 'deployed' });
await saveDeployments(rm.db, [v1, v2, other]);

t.test('list envelope, default order, filters and pagination links', async (t) => {
  const res = await get(`${base}/publishing-records/`);
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { success: true, count: 3, next: null, previous: null });
  t.type(body.request_id, 'string');
  t.same(
    body.results.map((r: { id: string }) => r.id),
    [mine[2]!.id, mine[1]!.id, mine[0]!.id],
    'newest first, deleted hidden',
  );
  t.same(
    Object.keys(body.results[2]).sort(),
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
    'exactly the representation fields',
  );

  const failed = (await get(`${base}/publishing-records/?status=failed,published&ordering=created_at`)).json();
  t.same(
    failed.results.map((r: { status: string }) => r.status),
    ['failed', 'published'],
    'comma-separated statuses',
  );
  const repeated = (await get(`${base}/publishing-records/?status=failed&status=published`)).json();
  t.equal(repeated.count, 2, 'repeated statuses');
  t.equal((await get(`${base}/publishing-records/?site_id=12`)).json().count, 1);
  t.equal((await get(`${base}/publishing-records/?destination=wordpress`)).json().count, 1);
  t.equal((await get(`${base}/publishing-records/?content_id=7`)).json().count, 1, 'only own account');
  const created = mine[1]!.created_at;
  t.equal((await get(`${base}/publishing-records/?created_after=${created}`)).json().count, 2);
  t.equal((await get(`${base}/publishing-records/?created_before=${created}`)).json().count, 1);

  const p1 = (await get(`${base}/publishing-records/?page_size=2&site_id=11&site_id=11`)).statusCode;
  t.equal(p1, 400, 'a repeated scalar filter is refused');
  const page1 = (await get(`${base}/publishing-records/?page_size=2&ordering=-created_at`)).json();
  t.equal(page1.results.length, 2);
  t.match(
    page1.next,
    /^http:\/\/.*\/api\/v1\/publisher\/publishing-records\/\?page_size=2&ordering=-created_at&page=2$/,
  );
  t.equal(page1.previous, null);
  const page2 = (await get(new URL(page1.next).pathname + new URL(page1.next).search)).json();
  t.equal(page2.results.length, 1);
  t.equal(page2.next, null);
  t.match(page2.previous, /page=1$/);
});

t.test('bad filter values are 400 with field errors, never a 500', async (t) => {
  const cases: Array<[string, string]> = [
    ['status=nope', 'querystring.status.0'],
    ['site_id=abc', 'querystring.site_id'],
    ['site_id=0', 'querystring.site_id'],
    ['site_id=99999999999', 'querystring.site_id'],
    ['created_after=yesterday', 'querystring.created_after'],
    ['created_after=0000-01-01T00:00:00Z', 'querystring.created_after'],
    ['page=0', 'querystring.page'],
    ['page_size=1000', 'querystring.page_size'],
    ['ordering=id', 'querystring.ordering'],
    ['colour=red', 'querystring.colour'],
    ['min_position=42', 'querystring.min_position'],
    ["destination=x'; drop table x;--", 'querystring.destination'],
  ];
  for (const [query, field] of cases) {
    const res = await get(`${base}/publishing-records/?${query}`);
    t.equal(res.statusCode, 400, query);
    t.match(res.json(), { success: false, code: 'VALIDATION', errors: { [field]: [String] } }, query);
  }
  const badId = await get(`${base}/deployments/not-a-uuid`);
  t.equal(badId.statusCode, 400);
  const badHeader = await get(`${base}/deployments/`, { ...auth(1), 'x-min-position': 'soon' });
  t.equal(badHeader.statusCode, 400);
});

t.test('by id: ETag, 304 on If-None-Match, 404 for unknown, deleted or foreign', async (t) => {
  const r = mine[0]!;
  const res = await get(`${base}/publishing-records/${r.id}`);
  t.equal(res.statusCode, 200);
  t.equal(res.headers.etag, '"2"');
  t.match(res.json().data, { id: r.id, status: 'failed', error_message: 'boom', attempts: 1, revision: 2 });
  const again = await get(`${base}/publishing-records/${r.id}`, { ...auth(1), 'if-none-match': '"2"' });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  t.equal(again.headers.etag, '"2"');
  t.equal((await get(`${base}/publishing-records/${r.id}`, { ...auth(1), 'if-none-match': 'W/"2"' })).statusCode, 304);
  t.equal((await get(`${base}/publishing-records/${r.id}`, { ...auth(1), 'if-none-match': '"1"' })).statusCode, 200);
  t.equal((await get(`${base}/publishing-records/${r.id.toUpperCase()}`)).statusCode, 200, 'ids are case-insensitive');
  t.equal(res.headers['cache-control'], 'private, no-cache');
  t.equal(res.headers['x-read-position'], '', 'nothing projected yet');
  t.equal(res.json().request_id, res.headers['x-request-id'], 'the envelope names the request');
  const quoted = await get(`${base}/publishing-records/${r.id}`, { ...auth(1), 'x-request-id': 'a"b\\c' });
  t.equal(quoted.json().request_id, 'a"b\\c', 'a caller-chosen request id is escaped in the body');
  for (const url of [`${base}/publishing-records/${r.id}?account_id=2`, `${base}/deployments/${v2.id}?account_id=2`]) {
    const forbidden = await get(url);
    t.equal(forbidden.statusCode, 403, url);
    t.match(forbidden.json(), { success: false, code: 'ROLE_FORBIDDEN', errors: { account_id: [String] } });
  }

  for (const id of [mine[3]!.id, theirs.id, crypto.randomUUID()]) {
    const missing = await get(`${base}/publishing-records/${id}`);
    t.equal(missing.statusCode, 404);
    t.match(missing.json(), { success: false, code: 'RECORD_NOT_FOUND' });
  }
  const dep = await get(`${base}/deployments/${v2.id}`);
  t.equal(dep.headers.etag, '"2"');
  t.match(dep.json().data, { version: 2, status: 'failed', error_message: 'nope' });
  t.equal((await get(`${base}/deployments/${other.id}`)).statusCode, 404);
});

t.test('bodies built from documents have the bytes the envelope serialized from rows would have', async (t) => {
  const nested = recordRow({
    account_id: 7,
    site_id: 13,
    metadata: { title: 'a: "b", c', tags: ['x', 'y'], n: { m: [1, null, true] } },
    destination_config: { url: 'https://example.test/hook', 'with space': 'v, w' },
  });
  await savePublishingRecords(rm.db, [nested]);
  // Other tests count every account's records.
  t.teardown(() => rm.pool.query('DELETE FROM read_model.publishing_records WHERE id = $1', [nested.id]));
  // The oracle: rows as the read model returns them, through the representation, JSON.stringify'd in
  // envelope order (what the routes' schema serializer writes for these shapes).
  const expectedList = async (account: number, path: string, query: string, body: string) => {
    const { next, previous } = JSON.parse(body);
    const scope = { account_id: account, site_ids: null };
    const params = new URLSearchParams(query);
    const options = { page: Number(params.get('page') ?? 1), page_size: Number(params.get('page_size') ?? 20) };
    const results =
      path === 'deployments'
        ? (await listDeployments(rm.db, scope, options)).rows.map(deploymentRepresentation)
        : (await listPublishingRecords(rm.db, scope, options)).rows.map(publishingRecordRepresentation);
    const count = (JSON.parse(body) as { count: number }).count;
    return JSON.stringify({ success: true, count, next, previous, results, request_id: 'req-1' });
  };
  for (const [account, path, ids] of [
    [1, 'publishing-records', mine.slice(0, 3).map((r) => r.id)],
    [7, 'publishing-records', [nested.id]],
    [1, 'deployments', [v1.id, v2.id]],
  ] as const) {
    const headers = { ...auth(account), 'x-request-id': 'req-1' };
    for (const query of ['page_size=100', 'page_size=1&page=2', 'page=50']) {
      const list = (await get(`${base}/${path}/?${query}`, headers)).body;
      t.equal(list, await expectedList(account, path, query, list), `${path}?${query} of account ${account}`);
    }
    const rows =
      path === 'deployments'
        ? [...(await loadDeployments(rm.db, ids)).values()].map(deploymentRepresentation)
        : [...(await loadPublishingRecords(rm.db, ids)).values()].map(publishingRecordRepresentation);
    for (const data of rows) {
      const res = await get(`${base}/${path}/${data.id}`, headers);
      t.equal(res.body, JSON.stringify({ success: true, data, request_id: 'req-1' }), `${path}/${data.id}`);
    }
  }
});

t.test('deployments list and the per-site view', async (t) => {
  const list = (await get(`${base}/deployments/?site_id=11&ordering=-version`)).json();
  t.same(
    list.results.map((d: { version: number }) => d.version),
    [2, 1],
  );
  t.equal((await get(`${base}/deployments/?status=deployed`)).json().count, 1);
  t.equal((await get(`${base}/deployments/?content_id=7`)).statusCode, 400, 'not a deployment filter');

  const site = await get(`${base}/sites/11/deployment-status`);
  t.equal(site.statusCode, 200);
  t.match(site.json().data, {
    account_id: 1,
    site_id: 11,
    deployments_count: 2,
    live: { deployment_id: v1.id, version: 1, deployment_url: 'https://v1.test' },
    last_deployment: { deployment_id: v2.id, version: 2, status: 'failed', error_message: 'nope' },
  });
  t.equal((await get(`${base}/sites/21/deployment-status`)).statusCode, 404, "another account's site");
  t.equal((await get(`${base}/sites/21/deployment-status`, auth(9, 'support'))).statusCode, 200, 'support reads any');
});

t.test('tenancy: roles, account_id filter and site_ids', async (t) => {
  t.equal((await get(`${base}/publishing-records/`, auth(2))).json().count, 1, 'account 2 sees its own');
  t.equal(
    (await get(`${base}/publishing-records/?account_id=2`)).statusCode,
    403,
    'a viewer may not name another account',
  );
  t.equal((await get(`${base}/publishing-records/?account_id=1`)).json().count, 3, 'naming its own is fine');
  for (const role of ['support', 'developer', 'system_bot']) {
    t.equal((await get(`${base}/publishing-records/`, auth(9, role))).json().count, 4, `${role} reads every account`);
    t.equal((await get(`${base}/publishing-records/?account_id=2`, auth(9, role))).json().count, 1, `${role} narrows`);
    t.equal((await get(`${base}/publishing-records/${theirs.id}`, auth(9, role))).statusCode, 200);
  }
  for (const role of ['editor', 'admin', 'owner']) {
    t.equal((await get(`${base}/publishing-records/`, auth(1, role))).json().count, 3, `${role}: own account only`);
  }
  const sites = (await get(`${base}/publishing-records/`, auth(1, 'editor', [12]))).json();
  t.same(
    sites.results.map((r: { site_id: number }) => r.site_id),
    [12],
    'site_ids restrict',
  );
  t.equal((await get(`${base}/publishing-records/${mine[0]!.id}`, auth(1, 'editor', [12]))).statusCode, 404);
  t.equal((await get(`${base}/sites/11/deployment-status`, auth(1, 'editor', [12]))).statusCode, 404);
  t.equal((await get(`${base}/publishing-records/`, {})).statusCode, 401);
});

t.test('read-your-writes: min_position waits, then answers or 503s', async (t) => {
  const p1 = '0000000000000010-0000000000000001';
  const p2 = '0000000000000010-0000000000000002';
  t.ok(await compareAndSetCheckpoint(rm.db, 'read_models', null, p1));

  const reached = await get(`${base}/publishing-records/?min_position=${p1}`);
  t.equal(reached.statusCode, 200, 'already projected');
  t.equal(reached.headers['x-read-position'], p1);

  const behind = await get(`${base}/deployments/?min_position=${p2}`);
  t.equal(behind.statusCode, 503);
  t.equal(behind.headers['retry-after'], '1');
  t.match(behind.json(), { code: 'PROJECTION_BEHIND', error: new RegExp(p2) });

  for (const one of [`${base}/publishing-records/${mine[0]!.id}`, `${base}/deployments/${v1.id}`]) {
    const behindOne = await get(`${one}?min_position=${p2}`);
    t.equal(behindOne.statusCode, 503, one);
    t.equal(behindOne.headers['retry-after'], '1');
    t.match(behindOne.json(), { success: false, code: 'PROJECTION_BEHIND', error: new RegExp(p2) });
  }

  const waiting = get(`${base}/deployments/${v1.id}`, { ...auth(1), 'x-min-position': p2 });
  await new Promise((r) => setTimeout(r, 50));
  await rm.db.transaction().execute(async (trx) => {
    await compareAndSetCheckpoint(trx, 'read_models', p1, p2);
    await notifyCheckpoint(trx, { schema: 'read_model', name: 'read_models', position: p2 });
  });
  const res = await waiting;
  t.equal(res.statusCode, 200, 'held, then answered once projected');
  t.equal(res.headers['x-read-position'], p2);
  t.equal(res.json().data.id, v1.id);

  const p3 = '0000000000000010-0000000000000003';
  await markProjectionStopped(rm.db, 'read_models', {
    event_id: 'e1',
    event_type: 'Weird',
    position: p3,
    reason: 'unknown event type',
  });
  const stopped = await get(`${base}/deployments/?min_position=${p3}`);
  t.match(stopped.json(), { code: 'PROJECTION_STOPPED' });
  t.match((await get(`${base}/publishing-records/${mine[0]!.id}?min_position=${p3}`)).json(), {
    code: 'PROJECTION_STOPPED',
  });
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 503, '/ready says the projection is stopped');
  t.match(ready.json(), { code: 'NOT_READY', errors: { projection: [String] } });
  const status = (await app.inject({ method: 'GET', url: '/status' })).json();
  t.match(status.data, { position: p2, stopped: { event_id: 'e1', event_type: 'Weird', position: p3 } });
  await clearProjectionStopped(rm.db, 'read_models');
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
});

t.test('OpenAPI document lists the read routes', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const paths = Object.keys(res.json().paths).map((p) => p.replace(/\/$/, ''));
  for (const p of [
    '/api/v1/publisher/publishing-records',
    '/api/v1/publisher/publishing-records/{id}',
    '/api/v1/publisher/deployments',
    '/api/v1/publisher/deployments/{id}',
    '/api/v1/publisher/sites/{site_id}/deployment-status',
  ]) {
    t.ok(paths.includes(p), p);
  }
});
