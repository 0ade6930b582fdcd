import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { Scrape } from '@publisher/testing';
import { createVerifier } from 'fast-jwt';
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import { loadSupportConsoleConfig } from '../src/config.ts';

async function consoleApp(t: Test, env: NodeJS.ProcessEnv = {}) {
  const app = await buildApp(loadSupportConsoleConfig({ LOG_LEVEL: 'silent', ...env }));
  t.teardown(() => app.close());
  return app;
}

t.test('serves the page, its bundled script and its style, with a strict CSP and ETags', async (t) => {
  const app = await consoleApp(t);
  const page = await app.inject({ url: '/' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /<script type="module" src="\/app.js">/);
  t.match(page.headers['content-security-policy'], /connect-src 'self'/);
  t.match(page.headers['content-security-policy'], /script-src 'self'/);
  t.notMatch(page.headers['content-security-policy'], /unsafe-inline|https?:/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');

  const script = await app.inject({ url: '/app.js' });
  t.equal(script.statusCode, 200);
  t.match(script.headers['content-type'], /text\/javascript/);
  // Bundled from web/main.ts and its modules: no import left for the browser to fetch.
  t.notMatch(script.body, /\bimport\s*[{"'*]|from\s*["']\.\//);
  t.match(script.body, /\/console-settings/);

  const style = await app.inject({ url: '/style.css' });
  t.equal(style.statusCode, 200);
  t.match(style.headers['content-type'], /text\/css/);

  const again = await app.inject({ url: '/app.js', headers: { 'if-none-match': String(script.headers.etag) } });
  t.equal(again.statusCode, 304);
});

t.test('unknown paths answer the error envelope', async (t) => {
  const app = await consoleApp(t);
  const response = await app.inject({ url: '/nope' });
  t.equal(response.statusCode, 404);
  t.match(response.json(), { success: false, code: 'ROUTE_NOT_FOUND' });
});

t.test('development sign-in mints a token the APIs accept, with the claims asked for', async (t) => {
  const app = await consoleApp(t);
  const settings = await app.inject({ url: '/console-settings' });
  t.same(settings.json().data, { dev_sign_in: true });

  const response = await app.inject({
    method: 'POST',
    url: '/dev/sign-in',
    payload: { account_id: 7, role: 'support', site_ids: [3, 4], user: 'anna' },
  });
  t.equal(response.statusCode, 200);
  const { token, expires_at } = response.json().data;
  const claims = createVerifier({ key: DEVELOPMENT_JWT_SECRET, algorithms: ['HS256'] })(token);
  t.match(claims, { sub: 'anna', account_id: 7, role: 'support', site_ids: [3, 4] });
  t.ok(claims.exp * 1000 > Date.now() + 7 * 3600_000, 'valid for a working day');
  t.ok(Date.parse(expires_at) > Date.now());

  const platform = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: { role: 'developer' } });
  t.equal(platform.statusCode, 200, 'developer may have no account');
  t.notOk(createVerifier({ key: DEVELOPMENT_JWT_SECRET })(platform.json().data.token).account_id);
});

t.test('development sign-in tokens carry the issuer and audience the APIs require', async (t) => {
  const app = await consoleApp(t, { JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'publisher' });
  const response = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: { role: 'developer' } });
  t.equal(response.statusCode, 200);
  const verify = createVerifier({
    key: DEVELOPMENT_JWT_SECRET,
    algorithms: ['HS256'],
    allowedIss: 'https://auth.example',
    allowedAud: 'publisher',
  });
  t.match(verify(response.json().data.token), { iss: 'https://auth.example', aud: 'publisher', role: 'developer' });
});

t.test('development sign-in refuses bad input with 400 and field errors', async (t) => {
  const app = await consoleApp(t);
  const cases: Array<[string, unknown]> = [
    ['unknown role', { account_id: 1, role: 'root' }],
    ['no account for an editor', { role: 'editor' }],
    ['account not an id', { account_id: -1, role: 'editor' }],
    ['unknown field', { account_id: 1, role: 'editor', admin: true }],
    ['user with spaces', { account_id: 1, role: 'editor', user: 'a b' }],
  ];
  for (const [name, payload] of cases) {
    const response = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: payload as object });
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { success: false, code: 'VALIDATION' }, name);
  }
  const notJson = await app.inject({
    method: 'POST',
    url: '/dev/sign-in',
    payload: '{',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(notJson.statusCode, 400);
});

t.test(
  'development sign-in takes JSON only: another media type is a 415 in the envelope, as on the APIs',
  async (t) => {
    const app = await consoleApp(t);
    const response = await app.inject({
      method: 'POST',
      url: '/dev/sign-in',
      payload: JSON.stringify({ account_id: 1, role: 'editor' }),
      headers: { 'content-type': 'text/plain' },
    });
    t.equal(response.statusCode, 415);
    t.match(response.json(), { success: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
  },
);

for (const [name, env] of [
  ['NODE_ENV=production', { NODE_ENV: 'production' }],
  ['a real JWT_SECRET', { JWT_SECRET: 'the-real-secret-of-this-deployment' }],
  ['an RS256 public key', { JWT_PUBLIC_KEY_FILE: '/etc/publisher/jwt.pem' }],
] as const) {
  t.test(`development sign-in does not exist with ${name}`, async (t) => {
    const app = await consoleApp(t, env);
    const response = await app.inject({
      method: 'POST',
      url: '/dev/sign-in',
      payload: { account_id: 1, role: 'developer' },
    });
    t.equal(response.statusCode, 404);
    t.notMatch(response.body, /token/);
    t.same((await app.inject({ url: '/console-settings' })).json().data, { dev_sign_in: false });
    t.equal((await app.inject({ url: '/' })).statusCode, 200, 'the console itself still serves');
  });
}

t.test('/metrics: the console’s requests by route pattern and status class, in Prometheus text', async (t) => {
  const app = await consoleApp(t);
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/console-settings' })).statusCode, 200);
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  const scrape = new Scrape(res.body);
  const name = 'publisher_support_console_http_request_duration_seconds';
  t.equal(scrape.family(name)?.type, 'HISTOGRAM');
  t.equal(scrape.histogramCount(name, { route: '/console-settings', method: 'GET', status_class: '2xx' }), 3);
  t.ok(scrape.family('publisher_support_console_process_cpu_seconds_total'), 'default process metrics');

  const off = await consoleApp(t, { METRICS_ENABLED: 'false' });
  t.equal((await off.inject({ url: '/metrics' })).statusCode, 404, 'METRICS_ENABLED=false serves none');
});
