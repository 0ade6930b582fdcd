import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { signTestToken } from '@publisher/testing';
import t from 'tap';
import { API, type Claims, createDeployment, deploy, recordBody, startApi, type TestApi } from './helpers.ts';

const ROLES = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'] as const;
const writesOwn = new Set(['editor', 'admin', 'owner', 'developer', 'system_bot']);
const writesAny = new Set(['developer', 'system_bot']);

/** Every create and root action, with a body for a fresh site (so deploys never meet an active one). */
const ROUTES = [
  {
    name: 'POST publishing-records/',
    url: '/publishing-records/',
    body: (site: number) => recordBody({ site_id: site }),
  },
  { name: 'POST deployments/', url: '/deployments/', body: (site: number) => ({ site_id: site }) },
  {
    name: 'POST publish',
    url: '/publish',
    body: (site: number) => ({
      content_id: 42,
      site_id: site,
      sector_id: 5,
      destinations: [{ destination: 'webhook' }, { destination: 'wordpress' }],
    }),
  },
  { name: 'POST deploy', url: '/deploy', body: (site: number) => ({ site_id: site }) },
] as const;

/** The records a create answered with (`publish` answers several). */
function createdRecords(data: { records?: unknown[] } & Record<string, unknown>): Array<Record<string, unknown>> {
  return (data.records ?? [data]) as Array<Record<string, unknown>>;
}

/** The streams of what was created, to look at the stored events. */
function streamOf(route: (typeof ROUTES)[number], id: unknown): string {
  return `${route.url.includes('deploy') ? 'deployment' : 'publishing_record'}-${id}`;
}

let nextSite = 1000;

async function create(api: TestApi, route: (typeof ROUTES)[number], as: Claims, extra: Record<string, unknown> = {}) {
  const site = nextSite++;
  return api.call({ method: 'POST', url: `${API}${route.url}`, payload: { ...route.body(site), ...extra }, as });
}

t.test('naming another account: developer and system_bot create there, every other role gets 403', async (t) => {
  const api = await startApi(t);
  for (const route of ROUTES) {
    for (const role of ROLES) {
      const as: Claims = { account_id: 1, role, sub: `${role}-caller` };
      const before = await api.eventCount();
      const res = await create(api, route, as, { account_id: 5 });
      const what = `${route.name} as ${role}`;
      if (!writesAny.has(role)) {
        t.equal(res.statusCode, 403, `${what}: 403`);
        t.match(res.json(), { success: false, code: 'ROLE_FORBIDDEN' }, `${what}: the envelope names the refusal`);
        if (writesOwn.has(role)) t.ok(res.json().errors?.account_id, `${what}: errors name account_id`);
        t.equal(await api.eventCount(), before, `${what}: nothing stored`);
        continue;
      }
      t.equal(res.statusCode, 201, `${what}: 201`);
      for (const record of createdRecords(res.json().data)) {
        t.equal(record.account_id, 5, `${what}: the record belongs to account 5`);
        const events = await api.store.readStream(streamOf(route, record.id));
        t.match(
          events[0],
          {
            data: { account_id: 5 },
            metadata: { tenant: { account_id: 5 }, actor: { user_id: `${role}-caller`, role } },
          },
          `${what}: event tenant is account 5, the actor stays the caller`,
        );
      }
    }
  }
});

t.test('naming the own account is the same as naming none, for every role that writes', async (t) => {
  const api = await startApi(t);
  for (const route of ROUTES) {
    for (const role of ROLES) {
      const res = await create(api, route, { account_id: 3, role }, { account_id: 3 });
      t.equal(res.statusCode, writesOwn.has(role) ? 201 : 403, `${route.name} as ${role}`);
      if (res.statusCode === 201) {
        for (const record of createdRecords(res.json().data)) t.equal(record.account_id, 3);
      } else {
        t.match(res.json(), { code: 'ROLE_FORBIDDEN' });
      }
    }
  }
});

t.test('a token without an account: privileged roles must name one, others are refused', async (t) => {
  const api = await startApi(t);
  const accountless = (role: string) => ({
    authorization: `Bearer ${signTestToken({ sub: `platform-${role}`, role }, { key: DEVELOPMENT_JWT_SECRET })}`,
  });
  for (const route of ROUTES) {
    for (const role of ROLES) {
      const what = `${route.name} as an accountless ${role}`;
      const post = (extra: Record<string, unknown>) =>
        api.app.inject({
          method: 'POST',
          url: `${API}${route.url}`,
          payload: { ...route.body(nextSite++), ...extra },
          headers: accountless(role),
        });
      const before = await api.eventCount();
      const none = await post({});
      if (!writesAny.has(role)) {
        t.equal(none.statusCode, 401, `${what}: 401`);
        t.match(none.json(), { code: 'AUTH_CLAIMS_INVALID', error: /account_id/ });
        continue;
      }
      t.equal(none.statusCode, 400, `${what} naming none: 400`);
      t.match(none.json(), { code: 'VALIDATION', errors: { account_id: [/required/] } });
      t.equal(await api.eventCount(), before, `${what}: nothing stored`);

      const named = await post({ account_id: 8 });
      t.equal(named.statusCode, 201, `${what} naming account 8: 201`);
      for (const record of createdRecords(named.json().data)) {
        t.equal(record.account_id, 8);
        const [event] = await api.store.readStream(streamOf(route, record.id));
        t.match(event?.metadata, { tenant: { account_id: 8 }, actor: { user_id: `platform-${role}`, role } });
      }
    }
  }
});

t.test(
  "issue 19's scheduler: a platform token creates for account 5, follows the Location and drives the record",
  async (t) => {
    const api = await startApi(t);
    const headers = {
      authorization: `Bearer ${signTestToken({ sub: 'scheduler', role: 'system_bot' }, { key: DEVELOPMENT_JWT_SECRET })}`,
    };
    const as = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    for (const [url, payload, next] of [
      [`${API}/publishing-records/`, recordBody({ account_id: 5 }), ['start', {}, 'publishing']],
      [`${API}/deploy`, { account_id: 5, site_id: 3 }, ['cancel', { reason: 'superseded' }, 'cancelled']],
    ] as const) {
      const created = await as('POST', url, payload);
      t.equal(created.statusCode, 201, `${url}: created`);
      const location = String(created.headers.location);
      const got = await as('GET', location);
      t.equal(got.statusCode, 200, `${url}: the Location answers the same token`);
      t.same(got.json().data, created.json().data, `${url}: the record the 201 answered`);
      t.equal(got.json().data.account_id, 5);
      t.equal(got.headers.etag, '"0"');

      const [action, body, status] = next;
      const driven = await as('POST', `${location}/${action}`, body);
      t.equal(driven.statusCode, 200, `${url}: ${action} with the same token`);
      t.match(driven.json().data, { account_id: 5, status, revision: 1 });
      const kind = url.includes('deploy') ? 'deployment' : 'publishing_record';
      const events = await api.store.readStream(`${kind}-${created.json().data.id}`);
      for (const event of events) {
        t.match(event.metadata, { tenant: { account_id: 5 }, actor: { user_id: 'scheduler', role: 'system_bot' } });
      }
      t.equal((await as('GET', location)).headers.etag, '"1"', `${url}: the Location shows the ${action}`);
    }
  },
);

t.test("the created record is account 5's: its users write it, the caller's account does not see it", async (t) => {
  const api = await startApi(t);
  const bot: Claims = { account_id: 1, role: 'system_bot' };
  const res = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody({ account_id: 5 }),
    as: bot,
  });
  const id = res.json().data.id;
  const asEditor1 = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${id}/start`,
    as: { account_id: 1, role: 'editor' },
  });
  t.equal(asEditor1.statusCode, 404, "an editor of the bot's account does not see it");
  const asEditor5 = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/${id}/start`,
    as: { account_id: 5, role: 'editor' },
  });
  t.equal(asEditor5.statusCode, 200, 'an editor of account 5 works on it');
});

t.test('site_ids still restrict a privileged creator, in any account', async (t) => {
  const api = await startApi(t);
  const dev: Claims = { account_id: 1, role: 'developer', site_ids: [3] };
  const other = await deploy(api, { account_id: 5, site_id: 4 }, dev);
  t.equal(other.statusCode, 403);
  t.match(other.json(), { code: 'SITE_FORBIDDEN' });
  t.equal((await deploy(api, { account_id: 5, site_id: 3 }, dev)).statusCode, 201);
});

t.test('deployments created for another account use that account’s site ledger', async (t) => {
  const api = await startApi(t);
  const bot: Claims = { account_id: 1, role: 'system_bot' };
  t.equal((await createDeployment(api, { site_id: 3 })).version, 1);
  const forFive = await deploy(api, { account_id: 5, site_id: 3 }, bot);
  t.equal(forFive.statusCode, 201, "account 1's active deployment of site 3 does not block account 5's site 3");
  t.match(forFive.json().data, { account_id: 5, site_id: 3, version: 1 });
  const again = await deploy(api, { account_id: 5, site_id: 3 }, bot);
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'DEPLOYMENT_IN_PROGRESS', error: new RegExp(forFive.json().data.id) });
  t.equal((await api.store.readStream('site_deployments-5-3')).length, 1);
});

t.test('idempotency keys of accountless platform tokens: replayed, and a changed account is a 422', async (t) => {
  const api = await startApi(t);
  const headers = {
    authorization: `Bearer ${signTestToken({ sub: 'scheduler', role: 'system_bot' }, { key: DEVELOPMENT_JWT_SECRET })}`,
    'idempotency-key': 'nightly-5',
  };
  const post = (account: number) =>
    api.app.inject({ method: 'POST', url: `${API}/deploy`, payload: { account_id: account, site_id: 9 }, headers });
  const first = await post(5);
  t.equal(first.statusCode, 201);
  const replay = await post(5);
  t.equal(replay.statusCode, 201);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.same(replay.json().data, first.json().data);
  const changed = await post(6);
  t.equal(changed.statusCode, 422);
  t.match(changed.json(), { code: 'IDEMPOTENCY_KEY_REUSED' });
});
