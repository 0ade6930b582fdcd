import t from 'tap';
import { API, type Claims, createDeployment, startApi, type TestApi } from './helpers.ts';

const deployTo = (api: TestApi, siteId: number, as?: Claims, metadata: Record<string, unknown> = {}) =>
  createDeployment(api, { site_id: siteId, metadata }, as);

t.test('PATCH replaces the metadata of a pending deployment, honouring If-Match', async (t) => {
  const api = await startApi(t);
  const d = await deployTo(api, 3, undefined, { commit: 'abc' });
  const url = `${API}/deployments/${d.id}`;

  const patched = await api.call({ method: 'PATCH', url, payload: { metadata: { commit: 'def', pr: 12 } } });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json().data, { status: 'pending', version: 1, revision: 1, metadata: { commit: 'def', pr: 12 } });
  t.same(patched.json().data.metadata, { commit: 'def', pr: 12 }, 'replaced, not merged');
  t.equal(patched.headers.etag, '"1"');
  t.ok(patched.headers['x-position']);

  const stale = await api.call({ method: 'PATCH', url, payload: { metadata: {} }, headers: { 'if-match': '"0"' } });
  t.equal(stale.statusCode, 412);
  t.match(stale.json(), { success: false, code: 'PRECONDITION_FAILED' });
  const current = await api.call({
    method: 'PATCH',
    url,
    payload: { metadata: { n: 2 } },
    headers: { 'if-match': '"1"' },
  });
  t.equal(current.statusCode, 200);
  t.equal(current.headers.etag, '"2"');

  const events = await api.store.readStream(`deployment-${d.id}`);
  t.same(
    events.map((e) => e.type),
    ['DeploymentCreated', 'DeploymentUpdated', 'DeploymentUpdated'],
  );
  t.match(events[1], {
    data: { deployment_id: d.id, changes: { metadata: { commit: 'def', pr: 12 } } },
    metadata: { actor: { user_id: 'user-1', role: 'editor' }, tenant: { account_id: 1, site_id: 3, sector_id: null } },
  });

  await api.call({ method: 'POST', url: `${url}/start` });
  const late = await api.call({ method: 'PATCH', url, payload: { metadata: { n: 3 } } });
  t.equal(late.statusCode, 409, 'not once deploying');
  t.match(late.json(), { code: 'ILLEGAL_TRANSITION', error: /deploying/ });
  t.equal((await api.store.readStream(`deployment-${d.id}`)).length, 4, 'the refused PATCH stored nothing');
});

t.test('cancelling a pending deployment frees the site; its version is never reused', async (t) => {
  const api = await startApi(t);
  const first = await deployTo(api, 3);
  const url = `${API}/deployments/${first.id}`;

  const blocked = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 } });
  t.equal(blocked.statusCode, 409, 'a pending deployment holds the site');

  const cancelled = await api.call({ method: 'POST', url: `${url}/cancel`, payload: { reason: 'superseded' } });
  t.equal(cancelled.statusCode, 200, cancelled.body);
  t.match(cancelled.json().data, {
    id: first.id,
    status: 'cancelled',
    version: 1,
    revision: 1,
    deployment_url: null,
    error_message: null,
    deployed_at: null,
    rolled_back_at: null,
  });
  t.equal(cancelled.headers.etag, '"1"');
  const [, event] = await api.store.readStream(`deployment-${first.id}`);
  t.match(event, { type: 'DeploymentCancelled', data: { deployment_id: first.id, reason: 'superseded' } });

  const next = await deployTo(api, 3);
  t.equal(next.version, 2, 'the next deployment takes version 2, never 1 again');
  t.equal(next.status, 'pending');

  for (const [action, payload] of [
    ['cancel', {}],
    ['start', {}],
    ['fail', { error: 'x' }],
  ] as const) {
    const res = await api.call({ method: 'POST', url: `${url}/${action}`, payload });
    t.equal(res.statusCode, 409, `${action} of a cancelled deployment`);
    t.match(res.json(), { code: 'ILLEGAL_TRANSITION', error: /cancelled/ });
  }
  const patch = await api.call({ method: 'PATCH', url, payload: { metadata: {} } });
  t.equal(patch.statusCode, 409, 'a cancelled deployment is not editable');

  // Without a body (curl -X POST …/cancel) the reason is null.
  const bare = await api.call({ method: 'POST', url: `${API}/deployments/${next.id}/cancel` });
  t.equal(bare.statusCode, 200);
  const [, bareEvent] = await api.store.readStream(`deployment-${next.id}`);
  t.match(bareEvent?.data, { reason: null });
  t.equal((await deployTo(api, 3)).version, 3);
});

t.test('only a pending deployment can be cancelled', async (t) => {
  const api = await startApi(t);
  const d = await deployTo(api, 4);
  const url = `${API}/deployments/${d.id}`;
  await api.call({ method: 'POST', url: `${url}/start` });
  const deploying = await api.call({ method: 'POST', url: `${url}/cancel` });
  t.equal(deploying.statusCode, 409);
  t.match(deploying.json(), { code: 'ILLEGAL_TRANSITION', error: /deploying/ });
  await api.call({ method: 'POST', url: `${url}/succeed`, payload: { deployment_url: 'https://s.example' } });
  t.equal((await api.call({ method: 'POST', url: `${url}/cancel` })).statusCode, 409, 'nor a deployed one');
  t.equal(
    (await api.call({ method: 'POST', url: `${API}/deployments/${crypto.randomUUID()}/cancel` })).statusCode,
    404,
    'an unknown deployment is a 404',
  );
});

t.test('update and cancel follow the role table and tenancy', async (t) => {
  const api = await startApi(t);
  const owner2: Claims = { account_id: 2, role: 'owner' };
  const cases: Array<[Claims, number]> = [
    [{ account_id: 2, role: 'viewer' }, 403],
    [{ account_id: 2, role: 'support' }, 403],
    [{ account_id: 1, role: 'editor' }, 404],
    [{ account_id: 1, role: 'support' }, 403],
    [{ account_id: 2, role: 'editor', site_ids: [9] }, 404],
    [{ account_id: 1, role: 'system_bot', sub: 'scheduler' }, 200],
  ];
  for (const [as, status] of cases) {
    const d = await deployTo(api, 5, owner2);
    const url = `${API}/deployments/${d.id}`;
    const before = await api.eventCount();
    const patch = await api.call({ method: 'PATCH', url, payload: { metadata: { by: as.role } }, as });
    const cancel = await api.call({ method: 'POST', url: `${url}/cancel`, as });
    const who = `${as.role} of account ${as.account_id}${as.site_ids ? ' (site 9 only)' : ''}`;
    t.equal(patch.statusCode, status, `${who}: PATCH`);
    t.equal(cancel.statusCode, status, `${who}: cancel`);
    if (status === 200) {
      t.match(cancel.json().data, { account_id: 2, site_id: 5, status: 'cancelled' }, 'tenant fields kept');
      const events = await api.store.readStream(`deployment-${d.id}`);
      t.match(events[2]?.metadata, {
        tenant: { account_id: 2, site_id: 5 },
        actor: { user_id: 'scheduler', role: 'system_bot' },
      });
    } else {
      t.equal(await api.eventCount(), before, `${who}: nothing stored`);
      // Free the site for the next case.
      await api.call({ method: 'POST', url: `${url}/cancel`, as: owner2 });
    }
  }
});

t.test('racing a cancel against a start and a deploy: one outcome, never two active', async (t) => {
  const api = await startApi(t);
  for (let round = 0; round < 5; round++) {
    const d = await deployTo(api, 20 + round);
    const url = `${API}/deployments/${d.id}`;
    const [cancel, start] = await Promise.all([
      api.call({ method: 'POST', url: `${url}/cancel` }),
      api.call({ method: 'POST', url: `${url}/start` }),
    ]);
    t.same(
      [cancel.statusCode, start.statusCode].sort(),
      [200, 409],
      `round ${round}: exactly one of cancel and start wins`,
    );
  }

  const d = await deployTo(api, 30);
  const [cancel, ...deploys] = await Promise.all([
    api.call({ method: 'POST', url: `${API}/deployments/${d.id}/cancel` }),
    ...Array.from({ length: 4 }, () => api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 30 } })),
  ]);
  t.equal(cancel.statusCode, 200);
  const created = deploys.filter((r) => r.statusCode === 201).map((r) => r.json().data);
  t.ok(created.length <= 1, 'at most one new deployment takes the freed site');
  for (const r of deploys.filter((r) => r.statusCode !== 201)) t.match(r.json(), { code: 'DEPLOYMENT_IN_PROGRESS' });
  for (const c of created) t.equal(c.version, 2, 'and it takes version 2');
});
