import t from 'tap';
import { API, startApi } from './helpers.ts';

t.test('a deployment through its life cycle, versions per site', async (t) => {
  const api = await startApi(t);
  const created = await api.call({
    method: 'POST',
    url: `${API}/deployments/`,
    payload: { site_id: 3, metadata: { commit: 'abc' } },
  });
  t.equal(created.statusCode, 201, created.body);
  const d = created.json().data;
  t.match(d, {
    account_id: 1,
    site_id: 3,
    sector_id: null,
    version: 1,
    status: 'pending',
    deployment_url: null,
    error_message: null,
    metadata: { commit: 'abc' },
    revision: 0,
    deployed_at: null,
    rolled_back_at: null,
  });
  t.same(
    Object.keys(d).sort(),
    [
      'account_id',
      'created_at',
      'deployed_at',
      'deployment_url',
      'error_message',
      'id',
      'metadata',
      'revision',
      'rolled_back_at',
      'sector_id',
      'site_id',
      'status',
      'updated_at',
      'version',
    ],
    'exactly the fields of the published representation',
  );
  t.equal(created.headers.etag, '"0"');
  t.equal(created.headers.location, `${API}/deployments/${d.id}`);
  const url = `${API}/deployments/${d.id}`;

  const second = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 } });
  t.equal(second.statusCode, 409, 'one active deployment per site');
  t.match(second.json(), { code: 'DEPLOYMENT_IN_PROGRESS', error: new RegExp(d.id) });

  const otherSite = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 4, sector_id: 2 } });
  t.equal(otherSite.statusCode, 201);
  t.match(otherSite.json().data, { site_id: 4, sector_id: 2, version: 1 });

  t.match((await api.call({ method: 'POST', url: `${url}/start` })).json().data, { status: 'deploying', revision: 1 });
  const leaky = await api.call({
    method: 'POST',
    url: `${url}/succeed`,
    payload: { deployment_url: 'https://admin:S3cret@site-3.example.com/?token=abc' },
  });
  t.equal(leaky.statusCode, 400, 'a deployment URL with credentials is refused');
  t.match(leaky.json(), { code: 'VALIDATION', errors: { deployment_url: [/user name or password/] } });
  const ok = await api.call({
    method: 'POST',
    url: `${url}/succeed`,
    payload: { deployment_url: 'https://site-3.example.com' },
  });
  t.match(ok.json().data, {
    status: 'deployed',
    deployment_url: 'https://site-3.example.com',
    deployed_at: String,
    revision: 2,
  });

  const next = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 3 } });
  t.equal(next.statusCode, 201, 'a finished deployment frees the site');
  t.equal(next.json().data.version, 2);

  const rolled = await api.call({ method: 'POST', url: `${url}/rollback`, payload: { reason: 'broken css' } });
  t.match(rolled.json().data, { status: 'rolled_back', rolled_back_at: String, revision: 3 });
  const again = await api.call({ method: 'POST', url: `${url}/rollback` });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'ILLEGAL_TRANSITION', error: 'cannot roll back a deployment that is rolled back' });

  const v2 = next.json().data.id;
  const failed = await api.call({
    method: 'POST',
    url: `${API}/deployments/${v2}/fail`,
    payload: { error: 'build failed' },
  });
  t.match(failed.json().data, { status: 'failed', error_message: 'build failed' });
  const v3 = await api.call({ method: 'POST', url: `${API}/deployments/`, payload: { site_id: 3 } });
  t.equal(v3.json().data.version, 3);
});

t.test('a reservation whose deployment stream is missing is repaired', async (t) => {
  const api = await startApi(t);
  const first = (await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 7 } })).json().data;
  await api.call({ method: 'POST', url: `${API}/deployments/${first.id}/fail`, payload: { error: 'x' } });
  // Simulate a crash between the two appends: reserve version 2 in the ledger only.
  const ledger = await api.store.readStream('site_deployments-1-7');
  const orphanId = '11111111-2222-4333-8444-555555555555';
  await api.store.append(
    'site_deployments-1-7',
    [
      {
        id: '99999999-2222-4333-8444-555555555555',
        type: 'DeploymentVersionReserved',
        data: {
          deployment_id: orphanId,
          account_id: 1,
          site_id: 7,
          sector_id: null,
          version: 2,
          metadata: {},
          at: new Date().toISOString(),
        },
        metadata: ledger[0]!.metadata,
      },
    ],
    0,
  );
  const res = await api.call({ method: 'POST', url: `${API}/deploy`, payload: { site_id: 7 } });
  t.equal(res.statusCode, 409, 'the repaired deployment is the active one');
  t.match(res.json(), { code: 'DEPLOYMENT_IN_PROGRESS', error: new RegExp(orphanId) });
  const repaired = await api.store.readStream(`deployment-${orphanId}`);
  t.match(repaired, [{ type: 'DeploymentCreated', data: { version: 2, deployment_id: orphanId } }]);
  const start = await api.call({ method: 'POST', url: `${API}/deployments/${orphanId}/start` });
  t.equal(start.statusCode, 200, 'the repaired deployment accepts commands');
});
