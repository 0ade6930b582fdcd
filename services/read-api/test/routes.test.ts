import {
  clearProjectionStopped,
  compareAndSetCheckpoint,
  createReadModelConnection,
  markProjectionStopped,
  migrateReadModel,
  saveDeployments,
  savePublishingRecords,
} from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { auth, config, deploymentRow, notifyCheckpoint, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_api');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
/** The event log's head as the test sets it (the read API asks it where `min_position` could be). */
let head: string | null = 'ffffffffffffffff-0000000000000000';
const app = await buildApp(
  {
    config: config(database.url, { READ_API_MIN_POSITION_TIMEOUT_MS: '1500' }),
    store: { committedHeadPosition: async () => head, readStream: async () => [] },
  },
  { logger: false },
);
t.teardown(() => app.close());

const base = '/api/v1/publisher';
const get = (url: string, headers: Record<string, string> = auth(1)) => app.inject({ method: 'GET', url, headers });
const ids = (body: { results: Array<{ id: string }> }) => body.results.map((r) => r.id);

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

t.test('list envelope, default order, filters', async (t) => {
  const res = await get(`${base}/publishing-records/`);
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, { success: true, count: 3, next: null, previous: null });
  t.equal(body.request_id, res.headers['x-request-id']);
  t.same(ids(body), [mine[2]!.id, mine[1]!.id, mine[0]!.id], 'newest first, deleted hidden');
  t.same(
    Object.keys(body.results[2]),
    [
      'id',
      'account_id',
      'site_id',
      'sector_id',
      'content_id',
      'destination',
      'destination_config',
      'status',
      'external_url',
      'external_id',
      'error_message',
      'attempts',
      'metadata',
      'revision',
      'created_at',
      'updated_at',
      'published_at',
    ],
    'exactly the representation fields, in its order',
  );
  const statuses = (await get(`${base}/publishing-records/?status=failed,published&ordering=created_at`)).json();
  t.same(
    statuses.results.map((r: { status: string }) => r.status),
    ['failed', 'published'],
    'comma-separated statuses',
  );
  t.equal((await get(`${base}/publishing-records/?status=failed&status=published`)).json().count, 2, 'repeated');
  t.equal((await get(`${base}/publishing-records/?site_id=12`)).json().count, 1);
  t.equal((await get(`${base}/publishing-records/?destination=wordpress`)).json().count, 1);
  t.equal((await get(`${base}/publishing-records/?content_id=7`)).json().count, 1, 'only own account');
  const created = mine[1]!.created_at;
  t.equal((await get(`${base}/publishing-records/?created_after=${created}`)).json().count, 2);
  t.equal((await get(`${base}/publishing-records/?created_before=${created}`)).json().count, 1);
  const empty = await get(`${base}/publishing-records/?created_after=${created}&created_before=${created}`);
  t.same([empty.statusCode, empty.json().count], [200, 0], 'equal bounds: an empty range, not an error');
  const early = await get(
    `${base}/publishing-records/?created_after=0001-01-01+00:00:00Z&created_before=2000-01-01T00:00:00Z`,
  );
  t.equal(early.statusCode, 200, 'year 0001 written with a space is year 1, not 2001');
  const offsets = await get(
    `${base}/publishing-records/?created_after=2024-01-01t02:00:00%2B02&created_before=2024-01-01T00:30:00z`,
  );
  t.equal(offsets.statusCode, 200, 'an hours-only offset and lower-case t, z: 00:00Z is before 00:30Z');
});

t.test('pages: next and previous links carry cursors and keep every other parameter', async (t) => {
  const url = (link: string) => {
    const u = new URL(link);
    return `${u.pathname}${u.search}`;
  };
  const page1 = (await get(`${base}/publishing-records/?page_size=2&ordering=-created_at`)).json();
  t.same([page1.count, ids(page1), page1.previous], [3, [mine[2]!.id, mine[1]!.id], null]);
  t.match(
    page1.next,
    /^http:\/\/localhost(:80)?\/api\/v1\/publisher\/publishing-records\/\?page_size=2&ordering=-created_at&cursor=[A-Za-z0-9_-]+$/,
  );
  const page2 = (await get(url(page1.next))).json();
  t.same([page2.count, ids(page2), page2.next], [3, [mine[0]!.id], null]);
  t.match(page2.previous, /&cursor=[A-Za-z0-9_-]+$/);
  const back = (await get(url(page2.previous))).json();
  t.same([back.count, ids(back), back.previous], [3, [mine[2]!.id, mine[1]!.id], null], 'previous leads back');
  t.equal(url(back.next), url(page1.next), 'and from there forward again');
  const numbered = (await get(`${base}/publishing-records/?page_size=2&page=2`)).json();
  t.same([ids(numbered), numbered.next], [[mine[0]!.id], null], 'page numbers still work');
  t.match(numbered.previous, /\?page_size=2&cursor=/);
  const past = (await get(`${base}/publishing-records/?page_size=2&page=5`)).json();
  t.same([past.count, past.results, past.next], [3, [], null]);
  t.match(past.previous, /\?page_size=2&page=2$/, 'past the end: the last page by number');
});

t.test('bad filter values are 400 with field errors, never a 500', async (t) => {
  const page1 = (await get(`${base}/publishing-records/?page_size=1`)).json();
  const cursor = new URL(page1.next).searchParams.get('cursor');
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cases: Array<[string, string]> = [
    ['status=nope', 'querystring.status.0'],
    ['site_id=abc', 'querystring.site_id'],
    ['site_id=0', 'querystring.site_id'],
    ['site_id=99999999999', 'querystring.site_id'],
    ['site_id=11&site_id=12', 'querystring.site_id'],
    ['created_after=yesterday', 'querystring.created_after'],
    ['created_after=0000-01-01T00:00:00Z', 'querystring.created_after'],
    ['created_after=2024-02-01T00:00:00Z&created_before=2024-01-31T23:59:59Z', 'querystring.created_after'],
    ['updated_after=2024-02-01T01:00:00%2B01:00&updated_before=2024-01-31T23:30:00Z', 'querystring.updated_after'],
    ['created_after=2024-01-01t03:00:00%2B02&created_before=2024-01-01T00:30:00Z', 'querystring.created_after'],
    ['page=0', 'querystring.page'],
    ['page_size=1000', 'querystring.page_size'],
    ['ordering=id', 'querystring.ordering'],
    ['colour=red', 'querystring.colour'],
    ['min_position=42', 'querystring.min_position'],
    ["destination=x'; drop table x;--", 'querystring.destination'],
    ['cursor=not%20base64', 'querystring.cursor'],
    ['cursor=bm9wZQ', 'querystring.cursor'],
    [`cursor=${cursor}&ordering=created_at`, 'querystring.cursor'],
    [`cursor=${cursor}&page=2`, 'querystring.page'],
    [
      `cursor=${forged(['publishing_records', '-created_at', 'a', "2024-01-01'; --", mine[0]!.id])}`,
      'querystring.cursor',
    ],
    [
      `cursor=${forged(['publishing_records', '-created_at', 'a', '2024-13-45 99:00:00+00', mine[0]!.id])}`,
      'querystring.cursor',
    ],
    [`cursor=${forged(['publishing_records', '-created_at', 'a', null, 'x'])}`, 'querystring.cursor'],
  ];
  for (const [query, field] of cases) {
    const res = await get(`${base}/publishing-records/?${query}`);
    t.equal(res.statusCode, 400, query);
    t.match(res.json(), { success: false, code: 'VALIDATION', errors: { [field]: [String] } }, query);
  }
  const forgedCursor = (await get(`${base}/publishing-records/?cursor=bm9wZQ`)).json();
  t.match(
    forgedCursor,
    {
      error: 'invalid cursor',
      errors: { 'querystring.cursor': ['is not a cursor from a next or previous link of this list'] },
    },
    'a record list refuses a cursor in the words every list uses',
  );
  const elsewhere = await get(`${base}/deployments/?cursor=${cursor}`);
  t.match(
    [elsewhere.statusCode, elsewhere.json().errors],
    [400, { 'querystring.cursor': [String] }],
    "another list's cursor (same ordering, another table) is refused",
  );
  t.equal((await get(`${base}/deployments/not-a-uuid`)).statusCode, 400);
  t.equal((await get(`${base}/deployments/`, { ...auth(1), 'x-min-position': 'soon' })).statusCode, 400);
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
    t.match(forbidden.json(), {
      success: false,
      code: 'ROLE_FORBIDDEN',
      errors: { 'querystring.account_id': [String] },
    });
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

t.test('documents go out as they are, inside the envelope the schema writes', async (t) => {
  const headers = { ...auth(1), 'x-request-id': 'req-1' };
  const one = await get(`${base}/publishing-records/${mine[1]!.id}`, headers);
  t.equal(one.body, `{"success":true,"data":${mine[1]!.document},"request_id":"req-1"}`);
  t.match(one.headers['content-type'], /^application\/json/);
  const list = await get(`${base}/deployments/?ordering=version`, headers);
  t.equal(
    list.body,
    `{"success":true,"count":2,"next":null,"previous":null,"results":[${v1.document},${v2.document}],"request_id":"req-1"}`,
  );
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
  const unnamed = await get(`${base}/sites/21/deployment-status`, auth(9, 'support'));
  t.equal(unnamed.statusCode, 400, 'a role that reads every account names the account');
  t.match(unnamed.json(), { code: 'VALIDATION', errors: { 'querystring.account_id': [/required/] } });
  const named = await get(`${base}/sites/21/deployment-status?account_id=2`, auth(9, 'support'));
  t.match(named.json().data, { account_id: 2, site_id: 21 }, 'and reads it');
  t.equal((await get(`${base}/sites/11/deployment-status?account_id=2`, auth(9, 'support'))).statusCode, 404);
});

t.test('tenancy: roles, account_id filter and site_ids', async (t) => {
  t.equal((await get(`${base}/publishing-records/`, auth(2))).json().count, 1, 'account 2 sees its own');
  t.equal((await get(`${base}/publishing-records/?account_id=2`)).statusCode, 403, 'a viewer names its own only');
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

t.test('GET /status is for operators: a token of a role that reads every account', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/status' })).statusCode, 401, 'no token');
  const tenant = await app.inject({ method: 'GET', url: '/status', headers: auth(1, 'owner') });
  t.equal(tenant.statusCode, 403, 'a tenant’s token');
  t.notMatch(tenant.body, /position|stopped/, 'which tells nothing of the projection');
  const ops = await app.inject({ method: 'GET', url: '/status', headers: auth(1, 'developer') });
  t.equal(ops.statusCode, 200);
  t.match(ops.json().data, { projection: 'read_models', stopped: null, response_cache: { entries: Number } });
});

t.test('read-your-writes: min_position waits, then answers, 503s or 400s', async (t) => {
  const p1 = '0000000000000010-0000000000000001';
  const p2 = '0000000000000010-0000000000000002';
  const p3 = '0000000000000010-0000000000000003';
  const status = async () =>
    (await app.inject({ method: 'GET', url: '/status', headers: auth(1, 'developer') })).json().data;

  const unprojected = await get(`${base}/publishing-records/?min_position=${p1}`);
  t.equal(unprojected.statusCode, 503, 'nothing projected yet: behind');
  t.match(unprojected.json(), { code: 'PROJECTION_BEHIND', error: new RegExp(`${p1}.*the start`) });
  t.equal(unprojected.headers['retry-after'], '1');

  t.ok(await compareAndSetCheckpoint(rm.db, 'read_models', null, p1));
  const reached = await get(`${base}/publishing-records/?min_position=${p1}`);
  t.equal(reached.statusCode, 200, 'already projected');
  t.equal(reached.headers['x-read-position'], p1);

  for (const url of [
    `${base}/deployments/?min_position=${p2}`,
    `${base}/publishing-records/${mine[0]!.id}?min_position=${p2}`,
    `${base}/deployments/${v1.id}?min_position=${p2}`,
    `${base}/sites/11/deployment-status?min_position=${p2}`,
  ]) {
    const started = Date.now();
    const behind = await get(url);
    t.equal(behind.statusCode, 503, url);
    t.equal(behind.headers['retry-after'], '1');
    t.match(behind.json(), { success: false, code: 'PROJECTION_BEHIND', error: new RegExp(p2) });
    t.ok(Date.now() - started >= 1400, 'after the whole wait');
  }

  const together = await get(`${base}/publishing-records/?min_position=${p1}`, { ...auth(1), 'x-min-position': p2 });
  t.equal(together.statusCode, 503, 'query and header together: the later one counts');
  t.match(together.json(), { error: new RegExp(p2) });
  t.equal(
    (await get(`${base}/publishing-records/?min_position=${p2}`, { ...auth(1), 'x-min-position': p1 })).statusCode,
    503,
    'whichever carries it',
  );

  // Held while behind, then answered: min-position-hold.test.ts, which moves the checkpoint once the
  // request is known to wait (here it would race this app's 1.5 s wait on a loaded machine).
  await rm.db.transaction().execute(async (trx) => {
    await compareAndSetCheckpoint(trx, 'read_models', p1, p2);
    await notifyCheckpoint(trx, { schema: 'read_model', name: 'read_models', position: p2 });
  });
  const res = await get(`${base}/deployments/${v1.id}`, { ...auth(1), 'x-min-position': p2 });
  t.equal(res.statusCode, 200, 'answered once projected');
  t.equal(res.headers['x-read-position'], p2);
  t.equal(res.json().data.id, v1.id);

  await markProjectionStopped(rm.db, 'read_models', {
    event_id: 'e1',
    event_type: 'Weird',
    position: p3,
    reason: 'unknown event type',
  });
  for (const url of [
    `${base}/deployments/?min_position=${p3}`,
    `${base}/publishing-records/${mine[0]!.id}?min_position=${p3}`,
    `${base}/sites/11/deployment-status?min_position=${p3}`,
  ]) {
    const stopped = await get(url);
    t.equal(stopped.statusCode, 503, url);
    t.equal(stopped.headers['retry-after'], '30');
    t.match(stopped.json(), { code: 'PROJECTION_STOPPED', error: new RegExp(`${p3}.*stopped at ${p2}`) });
  }
  const before = await get(`${base}/publishing-records/?min_position=${p1}`);
  t.equal(before.statusCode, 200, 'a position reached before the stop still reads');
  const ready = await app.inject({ method: 'GET', url: '/ready' });
  t.equal(ready.statusCode, 503, '/ready says the projection is stopped');
  t.match(ready.json(), { code: 'NOT_READY', errors: { projection: [String] } });
  t.match(await status(), { position: p2, stopped: { event_id: 'e1', event_type: 'Weird', position: p3 } });
  await clearProjectionStopped(rm.db, 'read_models');
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);

  head = p2;
  const started = Date.now();
  const ahead = await get(`${base}/publishing-records/?min_position=${p3}`);
  t.equal(ahead.statusCode, 400, 'a position past the head of the log is refused');
  t.ok(Date.now() - started < 1500, 'before the wait’s bound (1500 ms)');
  t.match(ahead.json(), {
    code: 'POSITION_NOT_IN_LOG',
    error: new RegExp(`${p3} is past the head of the event log \\(${p2}\\)`),
    errors: { 'querystring.min_position': [String] },
  });
  const inHeader = await get(`${base}/publishing-records/${mine[0]!.id}`, { ...auth(1), 'x-min-position': p3 });
  t.match(inHeader.json(), { code: 'POSITION_NOT_IN_LOG', errors: { 'headers.x-min-position': [String] } });
  head = null;
  t.equal((await get(`${base}/deployments/?min_position=${p3}`)).statusCode, 400, 'an empty log has no positions');
  head = p3;
  t.equal((await get(`${base}/deployments/?min_position=${p3}`)).statusCode, 503, 'in the log: behind');
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
  const headersOf = (path: string) =>
    (res.json().paths[path].get.parameters as Array<{ in: string; name: string }>)
      .filter((p) => p.in === 'header')
      .map((p) => p.name)
      .sort();
  t.same(headersOf('/api/v1/publisher/publishing-records/{id}'), ['if-none-match', 'x-min-position']);
  t.same(headersOf('/api/v1/publisher/publishing-records'), ['x-min-position'], 'a list has no ETag to match');
});
