import t from 'tap';
import { API, type Claims, createRecord, recordBody, startApi } from './helpers.ts';

// The roles table (platform ROLE_PERMISSIONS, the platform README), as the expected HTTP status of each case.
const ROLES = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'] as const;
const writesOwn = new Set(['editor', 'admin', 'owner', 'developer', 'system_bot']);
const writesAny = new Set(['developer', 'system_bot']);
const readsAny = new Set(['support', 'developer', 'system_bot']);

function expectedOnOtherAccount(role: string): number {
  if (!writesOwn.has(role)) return 403; // may not write at all
  if (writesAny.has(role)) return 200;
  return readsAny.has(role) ? 403 : 404; // another tenant's record is invisible
}

t.test('role table: create, write own account, write another account', async (t) => {
  const api = await startApi(t);
  const owner1: Claims = { account_id: 1, role: 'editor' };
  const owner2: Claims = { account_id: 2, role: 'editor' };

  for (const role of ROLES) {
    const me: Claims = { account_id: 1, role, sub: `${role}-user` };

    const before = await api.eventCount();
    const create = await api.call({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody(), as: me });
    t.equal(create.statusCode, writesOwn.has(role) ? 201 : 403, `${role} creates in own account`);
    if (create.statusCode === 403) {
      t.match(create.json(), { success: false, code: 'ROLE_FORBIDDEN' });
      t.equal(await api.eventCount(), before, `${role}: nothing stored`);
    }

    const own = await createRecord(api, owner1);
    const start = await api.call({ method: 'POST', url: `${API}/publishing-records/${own.id}/start`, as: me });
    t.equal(start.statusCode, writesOwn.has(role) ? 200 : 403, `${role} writes a record of its own account`);

    const foreign = await createRecord(api, owner2, { site_id: 8 });
    const countBefore = await api.eventCount();
    const res = await api.call({ method: 'POST', url: `${API}/publishing-records/${foreign.id}/start`, as: me });
    t.equal(res.statusCode, expectedOnOtherAccount(role), `${role} writes another account's record`);
    if (res.statusCode === 404) t.match(res.json(), { code: 'RECORD_NOT_FOUND' });
    if (res.statusCode === 200) {
      t.match(res.json().data, { account_id: 2, site_id: 8, status: 'publishing' }, 'tenant fields kept');
      const events = await api.store.readStream(`publishing_record-${foreign.id}`);
      t.match(events[1]?.metadata, { tenant: { account_id: 2, site_id: 8 }, actor: { user_id: `${role}-user`, role } });
    } else {
      t.equal(await api.eventCount(), countBefore, `${role}: refused write stored nothing`);
    }

    const deploy = await api.call({
      method: 'POST',
      url: `${API}/deploy`,
      payload: { site_id: 100 + ROLES.indexOf(role) },
      as: me,
    });
    t.equal(deploy.statusCode, writesOwn.has(role) ? 201 : 403, `${role} deploys a site of its own account`);
  }
});

t.test('site_ids restrict creates and commands; another site answers 404', async (t) => {
  const api = await startApi(t);
  const restricted: Claims = { account_id: 1, role: 'editor', site_ids: [3] };
  const site4 = await createRecord(api, { account_id: 1, role: 'editor' }, { site_id: 4 });
  const site3 = await createRecord(api, { account_id: 1, role: 'editor' }, { site_id: 3 });

  const create = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody({ site_id: 4 }),
    as: restricted,
  });
  t.equal(create.statusCode, 403);
  t.match(create.json(), { code: 'SITE_FORBIDDEN', errors: { site_id: Array } });
  t.equal(
    (
      await api.call({
        method: 'POST',
        url: `${API}/publishing-records/`,
        payload: recordBody({ site_id: 3 }),
        as: restricted,
      })
    ).statusCode,
    201,
  );

  t.equal(
    (await api.call({ method: 'POST', url: `${API}/publishing-records/${site4.id}/start`, as: restricted })).statusCode,
    404,
  );
  t.equal(
    (await api.call({ method: 'POST', url: `${API}/publishing-records/${site3.id}/start`, as: restricted })).statusCode,
    200,
  );

  t.equal(
    (await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 4 }, as: restricted })).statusCode,
    403,
  );

  const dev: Claims = { account_id: 9, role: 'developer', site_ids: [3] };
  const foreign = await createRecord(api, { account_id: 2, role: 'editor' }, { site_id: 4 });
  t.equal(
    (await api.call({ method: 'POST', url: `${API}/publishing-records/${foreign.id}/start`, as: dev })).statusCode,
    404,
    'site_ids restrict privileged roles too',
  );
});

t.test("another account's deployment answers 404 to an editor", async (t) => {
  const api = await startApi(t);
  const d = (
    await api.call({
      method: 'POST',
      url: `${API}/deploy`,
      payload: { site_id: 3 },
      as: { account_id: 2, role: 'owner' },
    })
  ).json().data;
  const res = await api.call({
    method: 'POST',
    url: `${API}/deployments/${d.id}/start`,
    as: { account_id: 1, role: 'owner' },
  });
  t.equal(res.statusCode, 404);
  t.match(res.json(), { code: 'RECORD_NOT_FOUND' });
  const bot = await api.call({
    method: 'POST',
    url: `${API}/deployments/${d.id}/start`,
    as: { account_id: 1, role: 'system_bot' },
  });
  t.equal(bot.statusCode, 200);
  t.match(bot.json().data, { account_id: 2, status: 'deploying' });
});
