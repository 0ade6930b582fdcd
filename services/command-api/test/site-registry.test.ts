/**
 * Sites belong to accounts. Without a registry (SITE_REGISTRY=off, the default) a create may name
 * any site id, in the caller's account; with `claim` the first account to use a site owns it; with
 * `managed` only sites an operator registered may be used, each by its own account.
 */
import t from 'tap';
import { API, type Claims, recordBody, startApi, type TestApi } from './helpers.ts';

const account1: Claims = { account_id: 1, role: 'editor' };
const account2: Claims = { account_id: 2, role: 'editor' };

/** Every create route, naming `site`. */
const creates = (site: number) => [
  { name: 'create record', url: `${API}/publishing-records/`, payload: recordBody({ site_id: site }) },
  { name: 'publish', url: `${API}/publish`, payload: { ...publishBody, site_id: site } },
  { name: 'create deployment', url: `${API}/deployments/`, payload: { site_id: site } },
  { name: 'deploy', url: `${API}/deploy`, payload: { site_id: site } },
];
const publishBody = { content_id: 1, sector_id: 5, destinations: [{ destination: 'webhook' }] };

/** The status of each create route naming `site`, as `as`. */
async function statuses(api: TestApi, site: number, as: Claims): Promise<number[]> {
  const out: number[] = [];
  for (const c of creates(site)) {
    const res = await api.call({ method: 'POST', url: c.url, payload: c.payload, as });
    out.push(res.statusCode);
    // One active deployment per site: fail it right away so the next deploy may go.
    if (res.statusCode === 201 && c.url.includes('deploy')) {
      await api.call({
        method: 'POST',
        url: `${API}/deployments/${res.json().data.id}/fail`,
        payload: { error: 'x' },
        as,
      });
    }
  }
  return out;
}

t.test('SITE_REGISTRY=off (default): any site id is accepted, in the caller’s own account', async (t) => {
  const api = await startApi(t);
  t.same(await statuses(api, 7, account1), [201, 201, 201, 201]);
  t.same(await statuses(api, 7, account2), [201, 201, 201, 201], 'account 2 may name site 7 too');
  const res = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: recordBody({ site_id: 7 }),
    as: account2,
  });
  t.match(res.json().data, { account_id: 2, site_id: 7 }, 'but the record lives in account 2');
});

t.test('SITE_REGISTRY=claim: the first account to use a site owns it', async (t) => {
  const api = await startApi(t, { SITE_REGISTRY: 'claim' });
  t.same(await statuses(api, 7, account1), [201, 201, 201, 201], 'account 1 claims site 7');
  const before = await api.eventCount();
  for (const as of [account2, { account_id: 2, role: 'developer' }, { account_id: 2, role: 'system_bot' }]) {
    for (const c of creates(7)) {
      const res = await api.call({ method: 'POST', url: c.url, payload: c.payload, as });
      t.equal(res.statusCode, 403, `${as.role} of account 2: ${c.name} on site 7`);
      t.match(res.json(), { code: 'SITE_FORBIDDEN', errors: { site_id: ['belongs to another account'] } });
    }
  }
  t.equal(await api.eventCount(), before, 'nothing stored for the refused creates');
  // A privileged create is checked against the account it creates in, not the token's.
  const scheduler = { sub: 'scheduler', role: 'system_bot' } as Claims;
  const forOwner = await api.call({
    method: 'POST',
    url: `${API}/deploy`,
    payload: { site_id: 7, account_id: 1 },
    as: scheduler,
  });
  t.equal(forOwner.statusCode, 201, 'an accountless system_bot creating in the owner account');
  await api.call({
    method: 'POST',
    url: `${API}/deployments/${forOwner.json().data.id}/fail`,
    payload: { error: 'x' },
    as: account1,
  });
  const forOther = await api.call({
    method: 'POST',
    url: `${API}/deploy`,
    payload: { site_id: 7, account_id: 2 },
    as: scheduler,
  });
  t.equal(forOther.statusCode, 403, 'and not in another account');
  t.same(await statuses(api, 7, account1), [201, 201, 201, 201], 'the owner goes on');
  t.same(await statuses(api, 8, account2), [201, 201, 201, 201], 'account 2 claims a site of its own');
  const rows = await api.pool.query(
    'SELECT site_id::int, account_id::int, source FROM command_api.sites ORDER BY site_id',
  );
  t.same(rows.rows, [
    { site_id: 7, account_id: 1, source: 'claimed' },
    { site_id: 8, account_id: 2, source: 'claimed' },
  ]);
});

t.test('SITE_REGISTRY=claim: racing first uses from two accounts, exactly one wins', async (t) => {
  const api = await startApi(t, { SITE_REGISTRY: 'claim' });
  const racers = Array.from({ length: 10 }, (_, i) =>
    api.call({
      method: 'POST',
      url: `${API}/publishing-records/`,
      payload: recordBody({ site_id: 42 }),
      as: i % 2 === 0 ? account1 : account2,
    }),
  );
  const results = await Promise.all(racers);
  const winners = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().data.account_id));
  t.equal(winners.size, 1, 'only one account created records on the site');
  t.ok(
    results.every((r) => r.statusCode === 201 || r.statusCode === 403),
    'the others are refused',
  );
  t.equal(results.filter((r) => r.statusCode === 201).length, 5, 'every create of the winner succeeded');
});

t.test('SITE_REGISTRY=managed: only sites an operator registered, each by its own account', async (t) => {
  const api = await startApi(t, { SITE_REGISTRY: 'managed' });
  const unknown = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 9 }, as: account1 });
  t.equal(unknown.statusCode, 403);
  t.match(unknown.json(), { code: 'SITE_FORBIDDEN', errors: { site_id: ['is not a registered site'] } });
  t.equal(await api.eventCount(), 0);
  await api.pool.query("INSERT INTO command_api.sites (site_id, account_id, source) VALUES (9, 1, 'operator')");
  t.same(await statuses(api, 9, account1), [201, 201, 201, 201], 'registered: usable by its account');
  t.same(await statuses(api, 9, account2), [403, 403, 403, 403], 'and by no other');
});

t.test('SITE_REGISTRY must be off, claim or managed', async (t) => {
  const { loadCommandApiConfig } = await import('../src/config.ts');
  t.equal(loadCommandApiConfig({}).siteRegistry, 'off');
  t.throws(() => loadCommandApiConfig({ SITE_REGISTRY: 'on' }), { code: 'CONFIG_INVALID' });
});
