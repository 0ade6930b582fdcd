/**
 * Strings PostgreSQL cannot store (U+0000, unpaired UTF-16 surrogates), in values and in keys of
 * every free-text body field of every command route: each is a 400 naming the field, and nothing is
 * stored. Before the platform's validator refused them they reached the event store (SQLSTATE 22P05)
 * and answered 500.
 */
import t from 'tap';
import { API, type Claims, createRecord, startApi } from './helpers.ts';

const BAD_VALUES: Array<[string, string]> = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'half an emoji \ud83d'],
  ['lone low surrogate', '\ude00 tail'],
];

interface Route {
  name: string;
  method: 'POST' | 'PATCH';
  url: (ids: { record: string; deployment: string }) => string;
  /** A body with `bad` at the field named by the returned path (dotted, as in `errors`). */
  body: (bad: string) => [Record<string, unknown>, string];
  /** The caller, when the route is not an editor's. */
  as?: Claims;
}

const support: Claims = { account_id: 1, role: 'support' };

const routes: Route[] = [
  {
    name: 'create record: metadata value',
    method: 'POST',
    url: () => `${API}/publishing-records/`,
    body: (bad) => [
      { content_id: 1, site_id: 3, sector_id: 5, destination: 'webhook', metadata: { title: bad } },
      'metadata.title',
    ],
  },
  {
    name: 'create record: nested destination_config value',
    method: 'POST',
    url: () => `${API}/publishing-records/`,
    body: (bad) => [
      {
        content_id: 1,
        site_id: 3,
        sector_id: 5,
        destination: 'webhook',
        destination_config: { headers: [{ name: 'x', value: bad }] },
      },
      'destination_config.headers.0.value',
    ],
  },
  {
    name: 'update record: metadata value',
    method: 'PATCH',
    url: ({ record }) => `${API}/publishing-records/${record}`,
    body: (bad) => [{ metadata: { deep: { deeper: [bad] } } }, 'metadata.deep.deeper.0'],
  },
  {
    name: 'succeed: external_id',
    method: 'POST',
    url: ({ record }) => `${API}/publishing-records/${record}/succeed`,
    body: (bad) => [{ external_url: 'https://blog.example.com/p/1', external_id: bad }, 'external_id'],
  },
  {
    name: 'fail record: error',
    method: 'POST',
    url: ({ record }) => `${API}/publishing-records/${record}/fail`,
    body: (bad) => [{ error: bad }, 'error'],
  },
  {
    name: 'create deployment: metadata value',
    method: 'POST',
    url: () => `${API}/deployments/`,
    body: (bad) => [{ site_id: 3, metadata: { note: bad } }, 'metadata.note'],
  },
  {
    name: 'update deployment: metadata value',
    method: 'PATCH',
    url: ({ deployment }) => `${API}/deployments/${deployment}`,
    body: (bad) => [{ metadata: { note: bad } }, 'metadata.note'],
  },
  {
    name: 'cancel deployment: reason',
    method: 'POST',
    url: ({ deployment }) => `${API}/deployments/${deployment}/cancel`,
    body: (bad) => [{ reason: bad }, 'reason'],
  },
  {
    name: 'fail deployment: error',
    method: 'POST',
    url: ({ deployment }) => `${API}/deployments/${deployment}/fail`,
    body: (bad) => [{ error: bad }, 'error'],
  },
  {
    name: 'rollback: reason',
    method: 'POST',
    url: ({ deployment }) => `${API}/deployments/${deployment}/rollback`,
    body: (bad) => [{ reason: bad }, 'reason'],
  },
  {
    name: 'publish: destination_config value',
    method: 'POST',
    url: () => `${API}/publish`,
    body: (bad) => [
      {
        content_id: 1,
        site_id: 3,
        sector_id: 5,
        destinations: [{ destination: 'webhook', destination_config: { a: bad } }],
      },
      'destinations.0.destination_config.a',
    ],
  },
  {
    name: 'deploy: metadata value',
    method: 'POST',
    url: () => `${API}/deploy`,
    body: (bad) => [{ site_id: 4, metadata: { note: bad } }, 'metadata.note'],
  },
  {
    name: 'republish record: reason',
    method: 'POST',
    url: ({ record }) => `${API}/publishing-records/${record}/republish`,
    body: (bad) => [{ reason: bad }, 'reason'],
    as: support,
  },
  {
    name: 'redeliver record: reason',
    method: 'POST',
    url: ({ record }) => `${API}/publishing-records/${record}/redeliver`,
    body: (bad) => [{ reason: bad, dry_run: false }, 'reason'],
    as: support,
  },
  {
    name: 'republish deployment: reason',
    method: 'POST',
    url: ({ deployment }) => `${API}/deployments/${deployment}/republish`,
    body: (bad) => [{ reason: bad }, 'reason'],
    as: support,
  },
];

t.test('unstorable strings in any body value → 400 naming the field, nothing stored', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const deployed = await api.call({ method: 'POST', url: `${API}/deployments/`, payload: { site_id: 9 } });
  const ids = { record: record.id, deployment: deployed.json().data.id as string };
  const before = await api.eventCount();

  for (const route of routes) {
    for (const [kind, bad] of BAD_VALUES) {
      const [payload, field] = route.body(bad);
      const res = await api.call({ method: route.method, url: route.url(ids), payload, as: route.as });
      const what = `${route.name}, ${kind}`;
      t.equal(res.statusCode, 400, what);
      t.match(res.json(), { success: false, code: 'VALIDATION' }, what);
      t.ok(res.json().errors?.[field], `${what}: errors name ${field}`);
    }
  }
  t.equal(await api.eventCount(), before, 'nothing was stored');
});

t.test('unstorable strings in keys → 400 naming the key, nothing stored', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const before = await api.eventCount();
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['NUL in a metadata key', { metadata: { 'ti\u0000tle': 'x' } }, 'metadata.ti\\u0000tle'],
    [
      'surrogate in a nested key',
      { destination_config: { outer: { '\ud800': 1 } } },
      'destination_config.outer.\\ud800',
    ],
  ];
  for (const [name, payload, field] of cases) {
    const create = await api.call({
      method: 'POST',
      url: `${API}/publishing-records/`,
      payload: { content_id: 1, site_id: 3, sector_id: 5, destination: 'webhook', ...payload },
    });
    t.equal(create.statusCode, 400, `create: ${name}`);
    t.match(create.json().errors?.[field], [/^key must not contain/], `create: ${name} names ${field}`);
    const patch = await api.call({ method: 'PATCH', url: `${API}/publishing-records/${record.id}`, payload });
    t.equal(patch.statusCode, 400, `patch: ${name}`);
  }
  t.equal(await api.eventCount(), before, 'nothing was stored');
});

t.test('well-formed text, emoji included, is stored as sent', async (t) => {
  const api = await startApi(t);
  const text = 'Grüße 😀 — ok';
  const res = await api.call({
    method: 'POST',
    url: `${API}/publishing-records/`,
    payload: { content_id: 1, site_id: 3, sector_id: 5, destination: 'webhook', metadata: { [text]: text } },
  });
  t.equal(res.statusCode, 201);
  t.same(res.json().data.metadata, { [text]: text });
});

t.test('a token whose sub cannot be stored is refused before anything is written', async (t) => {
  const api = await startApi(t);
  const res = await api.call({
    method: 'POST',
    url: `${API}/deployments/`,
    payload: { site_id: 3 },
    as: { sub: 'user\u0000', account_id: 1, role: 'editor' },
  });
  t.equal(res.statusCode, 401);
  t.match(res.json(), { code: 'AUTH_CLAIMS_INVALID' });
  t.equal(await api.eventCount(), 0);
});
