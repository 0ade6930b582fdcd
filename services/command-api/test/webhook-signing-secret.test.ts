import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { API, type Claims, startApi } from './helpers.ts';

const url = `${API}/webhook-signing-secret/`;

t.test('an account’s admins and owners obtain and rotate its signing secret; nobody else can', async (t) => {
  const api = await startApi(t);
  const admin1: Claims = { account_id: 1, role: 'admin' };
  const owner1: Claims = { account_id: 1, role: 'owner' };
  const admin2: Claims = { account_id: 2, role: 'admin' };

  const first = await api.call({ method: 'GET', url, as: admin1 });
  t.equal(first.statusCode, 200, first.body);
  t.equal(first.headers['cache-control'], 'no-store');
  const secret1 = first.json().data;
  t.match(secret1, { account_id: 1, secret: /^whsec_/, previous_expires_at: null });
  t.doesNotThrow(() => new Webhook(secret1.secret), 'a secret the standard library accepts');
  t.same((await api.call({ method: 'GET', url, as: owner1 })).json().data, secret1, 'stable across reads');

  const other = (await api.call({ method: 'GET', url, as: admin2 })).json().data;
  t.equal(other.account_id, 2);
  t.not(other.secret, secret1.secret, 'another account has its own secret');

  for (const as of [
    { account_id: 1, role: 'editor' },
    { account_id: 1, role: 'viewer' },
    { account_id: 1, role: 'support' },
    { account_id: 1, role: 'developer' },
    { account_id: 1, role: 'system_bot' },
    { account_id: 1, role: 'admin', site_ids: [3] },
  ] as Claims[]) {
    for (const [method, path] of [
      ['GET', url],
      ['POST', `${url}rotate`],
    ] as const) {
      const res = await api.call({ method, url: path, as });
      t.equal(res.statusCode, 403, `${as.role}${as.site_ids ? ' with site_ids' : ''} ${method}`);
      t.match(res.json(), { success: false, code: 'ROLE_FORBIDDEN' });
      t.notMatch(res.body, /whsec_/);
    }
  }

  const rotated = await api.call({ method: 'POST', url: `${url}rotate`, as: owner1, payload: { grace_seconds: 600 } });
  t.equal(rotated.statusCode, 200, rotated.body);
  const secret2 = rotated.json().data;
  t.not(secret2.secret, secret1.secret);
  const graceEnd = Date.parse(secret2.previous_expires_at);
  t.ok(graceEnd > Date.now() + 500_000 && graceEnd < Date.now() + 700_000, 'the previous secret signs 600 s more');
  t.same((await api.call({ method: 'GET', url, as: admin1 })).json().data, secret2);
  t.equal((await api.call({ method: 'GET', url, as: admin2 })).json().data.secret, other.secret, 'account 2 untouched');

  const noBody = await api.call({ method: 'POST', url: `${url}rotate`, as: admin1 });
  t.equal(noBody.statusCode, 200, 'the body is optional (default grace)');
  const bad = await api.call({ method: 'POST', url: `${url}rotate`, as: admin1, payload: { grace_seconds: -1 } });
  t.equal(bad.statusCode, 400);
  t.equal(await api.eventCount(), 0, 'secrets never enter the event store');
});
