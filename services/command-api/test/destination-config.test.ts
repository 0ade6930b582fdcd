import t from 'tap';
import { loadCommandApiConfig } from '../src/config.ts';
import { API, createRecord, recordBody, startApi } from './helpers.ts';

const create = `${API}/publishing-records/`;

t.test('a destination the worker must not reach is a 400 naming the field, and nothing is stored', async (t) => {
  const api = await startApi(t);
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['loopback webhook', { url: 'http://127.0.0.1:3000/x' }, 'destination_config.url', /loopback/],
    ['decimal loopback', { url: 'http://2130706433/' }, 'destination_config.url', /loopback/],
    ['mapped IPv6', { url: 'http://[::ffff:127.0.0.1]/' }, 'destination_config.url', /IPv4-mapped/],
    ['cloud metadata', { url: 'http://169.254.169.254/latest/' }, 'destination_config.url', /link-local/],
    ['private', { url: 'https://10.0.0.8/' }, 'destination_config.url', /private/],
    ['internal name', { url: 'http://metadata.google.internal/' }, 'destination_config.url', /\.internal/],
    ['single label', { url: 'http://redis:6379/' }, 'destination_config.url', /single-label/],
    ['localhost.', { url: 'http://localhost./' }, 'destination_config.url', /localhost/],
    ['not http', { url: 'file:///etc/passwd' }, 'destination_config.url', /http\(s\)/],
    ['userinfo', { url: 'https://u:p@hooks.example.com/' }, 'destination_config.url', /user name or password/],
    [
      'token in query',
      { url: 'https://hooks.example.com/?token=t' },
      'destination_config.url',
      /query parameter token/,
    ],
    ['site path', { site_url: 'https://blog.example.com/wp-json/x' }, 'destination_config.site_url', /address alone/],
    ['site query', { site_url: 'https://blog.example.com/?rest_route=/' }, 'destination_config.site_url', /alone/],
    ['site fragment', { site_url: 'https://blog.example.com/#a' }, 'destination_config.site_url', /alone/],
    ['site userinfo', { site_url: 'https://admin:pw@blog.example.com' }, 'destination_config.site_url', /user name/],
    ['site loopback', { site_url: 'http://[::1]' }, 'destination_config.site_url', /loopback/],
    [
      'deep secret key',
      { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { token: 'x' } } } } } } } } } } } },
      'destination_config.a.b.c.d.e.f.g.h.i.j.k.token',
      /credential/,
    ],
    ['secret value', { header: 'Bearer abcdefghijklmnopq' }, 'destination_config.header', /Authorization header/],
    [
      'nested URL userinfo',
      { mirrors: ['https://ops:pw@m.example.com/'] },
      'destination_config.mirrors.0',
      /user name/,
    ],
  ];
  for (const [name, config, field, message] of cases) {
    const res = await api.call({ method: 'POST', url: create, payload: recordBody({ destination_config: config }) });
    t.equal(res.statusCode, 400, name);
    t.match(res.json(), { success: false, code: 'VALIDATION', errors: { [field]: [message] } }, name);
  }
  t.equal(await api.eventCount(), 0, 'no refused request stored anything');

  const ok = await api.call({
    method: 'POST',
    url: create,
    payload: recordBody({ destination_config: { url: 'https://hooks.example.com/p?format=json', retries: 2 } }),
  });
  t.equal(ok.statusCode, 201, 'a public webhook URL is accepted');
  const wp = await api.call({
    method: 'POST',
    url: create,
    payload: recordBody({ destination: 'wordpress', destination_config: { site_url: 'https://blog.example.com' } }),
  });
  t.equal(wp.statusCode, 201, 'a site address is accepted');
});

t.test('PATCH and root publish check destination_config the same way', async (t) => {
  const api = await startApi(t);
  const record = await createRecord(api);
  const patch = await api.call({
    method: 'PATCH',
    url: `${API}/publishing-records/${record.id}`,
    payload: { destination_config: { url: 'http://192.168.0.1/' } },
  });
  t.equal(patch.statusCode, 400);
  t.match(patch.json(), { errors: { 'destination_config.url': [/private/] } });
  const publish = await api.call({
    method: 'POST',
    url: `${API}/publish`,
    payload: {
      content_id: 1,
      site_id: 3,
      sector_id: 5,
      destinations: [
        { destination: 'webhook', destination_config: { url: 'https://hooks.example.com/a' } },
        { destination: 'wordpress', destination_config: { site_url: 'http://localhost:8080' } },
      ],
    },
  });
  t.equal(publish.statusCode, 400);
  t.match(publish.json(), { errors: { 'destinations.1.destination_config.site_url': [/localhost/] } });
  t.equal(await api.eventCount(), 1, 'only the first create was stored');
});

t.test('ALLOW_PRIVATE_DESTINATIONS=true (local development) accepts loopback, never credentials', async (t) => {
  const api = await startApi(t, { ALLOW_PRIVATE_DESTINATIONS: 'true' });
  const res = await api.call({
    method: 'POST',
    url: create,
    payload: recordBody({ destination_config: { url: 'http://127.0.0.1:8080/hook' } }),
  });
  t.equal(res.statusCode, 201);
  const secret = await api.call({
    method: 'POST',
    url: create,
    payload: recordBody({ destination_config: { url: 'http://u:p@127.0.0.1:8080/hook' } }),
  });
  t.equal(secret.statusCode, 400);
});

t.test('ALLOW_PRIVATE_DESTINATIONS=true is a configuration error with NODE_ENV=production', async (t) => {
  const env = { NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40), ALLOW_PRIVATE_DESTINATIONS: 'true' };
  t.throws(() => loadCommandApiConfig(env), { code: 'CONFIG_INVALID', message: /refused with NODE_ENV=production/ });
  t.same(loadCommandApiConfig({ ...env, ALLOW_PRIVATE_DESTINATIONS: 'false' }).destinationPolicy, {
    allowPrivate: false,
  });
});
