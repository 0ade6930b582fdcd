import { generateKeyPairSync } from 'node:crypto';
import type { Role } from '@publisher/contracts';
import { signTestToken } from '@publisher/testing';
import t, { type Test } from 'tap';
import { Type } from 'typebox';
import {
  accountForCreate,
  createFastify,
  DEVELOPMENT_JWT_SECRET,
  httpError,
  type JwtConfig,
  loadPlatformConfig,
  platform,
  type ReadinessCheck,
  success,
} from '../src/index.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const claims = { sub: 'user-1', account_id: 7, role: 'editor' };

async function build(
  t: Test,
  opts: { jwt?: JwtConfig; rateMax?: number; readiness?: ReadinessCheck[]; bodyLimit?: number } = {},
) {
  const app = createFastify({ logLevel: 'silent', bodyLimit: opts.bodyLimit ?? 1024 });
  await app.register(platform, {
    config: {
      jwt: opts.jwt ?? { secret: DEVELOPMENT_JWT_SECRET, developmentSecret: true, publicKey: null },
      rateLimit: { max: opts.rateMax ?? 1000, timeWindowMs: 60_000 },
    },
    openapi: { title: 'test', version: '0.0.0' },
    readiness: opts.readiness,
  });
  await app.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      api.post(
        '/things',
        {
          schema: {
            body: Type.Object(
              { site_id: Type.Integer({ minimum: 1 }), name: Type.String({ maxLength: 5 }) },
              { additionalProperties: false },
            ),
          },
        },
        async (request, reply) =>
          reply.code(201).send(success(request, { ...(request.body as object), who: request.principal })),
      );
      api.get('/boom', async () => {
        throw new Error('secret internals');
      });
      api.get('/db-down', async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      });
      api.get('/conflict', async () => {
        throw httpError('PRECONDITION_FAILED', 'stale');
      });
    },
    { prefix: '/api' },
  );
  // Public routes: no `authenticate`, so no principal.
  app.get('/public/ping', async () => ({ pong: true }));
  app.get('/public/whoami', async (request) => ({ who: request.principal }));
  app.get('/public/echo/:word', async (request) => request.params);
  t.teardown(() => app.close());
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const devToken = (c: Record<string, unknown> = claims, o = {}) =>
  signTestToken(c, { key: DEVELOPMENT_JWT_SECRET, ...o });

t.test('success and error envelopes, request ids', async (t) => {
  const app = await build(t);
  const ok = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer(devToken()), 'x-request-id': 'req-abc' },
    payload: { site_id: 3, name: 'x' },
  });
  t.equal(ok.statusCode, 201);
  t.equal(ok.headers['x-request-id'], 'req-abc');
  t.same(ok.json(), {
    success: true,
    data: { site_id: 3, name: 'x', who: { user_id: 'user-1', account_id: 7, role: 'editor', site_ids: null } },
    request_id: 'req-abc',
  });

  const notFound = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(notFound.statusCode, 404);
  t.match(notFound.json(), { success: false, code: 'ROUTE_NOT_FOUND', request_id: String });
  t.match(
    notFound.headers['x-request-id'],
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'generated request id (a v7 UUID: it becomes the correlation id, an indexed audit column) returned',
  );

  // A path that is not percent-encoded UTF-8, or a segment past the router's bound: 400 in the envelope.
  for (const url of ['/api/things/%C0%AF', '/public/%ED%A0%80', `/public/echo/${'a'.repeat(201)}`]) {
    const badUrl = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-bad-url' } });
    t.equal(badUrl.statusCode, 400, url.slice(0, 30));
    t.equal(badUrl.headers['x-request-id'], 'req-bad-url');
    t.match(badUrl.json(), { success: false, code: 'VALIDATION', error: /URL’s path/, request_id: 'req-bad-url' });
  }

  // A path whose routes take other methods: 405 naming them (HEAD comes with every GET route).
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/things?x=1', headers: bearer(devToken()) });
  t.equal(wrongMethod.statusCode, 405);
  t.equal(wrongMethod.headers.allow, 'POST');
  t.match(wrongMethod.json(), {
    success: false,
    code: 'METHOD_NOT_ALLOWED',
    error: /^DELETE is not allowed on \/api\/things; it takes POST$/,
  });
  const wrongMethodTrailingSlash = await app.inject({ method: 'PUT', url: '/public/ping/' });
  t.equal(wrongMethodTrailingSlash.statusCode, 405, 'a trailing slash matched as the router matches it');
  t.equal(wrongMethodTrailingSlash.headers.allow, 'GET, HEAD');

  const bad = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer(devToken()),
    payload: { site_id: '3', name: 'toolong', extra: 1 },
  });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), {
    success: false,
    code: 'VALIDATION',
    errors: { site_id: ['must be integer'], name: [/more than 5/], extra: ['is not allowed'] },
  });

  const missing = await app.inject({ method: 'POST', url: '/api/things', headers: bearer(devToken()), payload: {} });
  t.match(missing.json().errors, { site_id: ['is required'], name: ['is required'] });

  const malformed = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer(devToken()), 'content-type': 'application/json' },
    payload: '{"site_id": ',
  });
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json(), { success: false, code: 'INVALID_JSON' });

  const empty = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer(devToken()), 'content-type': 'application/json' },
    payload: '',
  });
  t.equal(empty.statusCode, 400);
  t.match(
    empty.json(),
    { code: 'VALIDATION', errors: { body: ['must be object'] } },
    'an empty JSON body is no input, not a parse error',
  );

  const text = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { ...bearer(devToken()), 'content-type': 'text/plain' },
    payload: 'hi',
  });
  t.equal(text.statusCode, 415);
  t.match(text.json(), {
    success: false,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    error: 'the body must be JSON, sent as Content-Type: application/json',
  });

  const big = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: bearer(devToken()),
    payload: { site_id: 1, name: 'x'.repeat(5000) },
  });
  t.equal(big.statusCode, 413);
  t.match(big.json(), { success: false, code: 'BODY_TOO_LARGE' });

  const boom = await app.inject({ method: 'GET', url: '/api/boom', headers: bearer(devToken()) });
  t.equal(boom.statusCode, 500);
  t.same(boom.json(), {
    success: false,
    error: 'internal server error',
    code: 'INTERNAL_ERROR',
    request_id: boom.headers['x-request-id'],
  });

  const down = await app.inject({ method: 'GET', url: '/api/db-down', headers: bearer(devToken()) });
  t.equal(down.statusCode, 503);
  t.equal(down.headers['retry-after'], '2');
  t.match(down.json(), { code: 'DATABASE_UNAVAILABLE' });
  t.notMatch(down.body, /ECONNREFUSED/, 'internal message hidden');

  const stale = await app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(devToken()) });
  t.equal(stale.statusCode, 412);
  t.match(stale.json(), { code: 'PRECONDITION_FAILED', error: 'stale' });
});

t.test('tokens: missing, malformed, expired, forged, wrong claims → 401', async (t) => {
  const app = await build(t);
  const call = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/api/conflict', headers });
  const cases: Array<[string, Record<string, string>, string]> = [
    ['missing', {}, 'AUTH_TOKEN_MISSING'],
    ['not bearer', { authorization: 'Basic abc' }, 'AUTH_TOKEN_INVALID'],
    ['garbage', bearer('abc.def.ghi'), 'AUTH_TOKEN_INVALID'],
    ['expired', bearer(devToken(claims, { expiresInSeconds: -60 })), 'AUTH_TOKEN_EXPIRED'],
    ['alg none', bearer(signTestToken(claims, { alg: 'none' })), 'AUTH_TOKEN_INVALID'],
    ['wrong secret', bearer(signTestToken(claims, { key: 'another-secret' })), 'AUTH_TOKEN_INVALID'],
    ['RS256 not configured', bearer(signTestToken(claims, { alg: 'RS256', key: privatePem })), 'AUTH_TOKEN_INVALID'],
    ['unknown role', bearer(devToken({ ...claims, role: 'root' })), 'AUTH_CLAIMS_INVALID'],
    ['account id string', bearer(devToken({ ...claims, account_id: '7' })), 'AUTH_CLAIMS_INVALID'],
    ['account id zero', bearer(devToken({ ...claims, account_id: 0 })), 'AUTH_CLAIMS_INVALID'],
    ['no sub', bearer(devToken({ account_id: 7, role: 'editor' })), 'AUTH_CLAIMS_INVALID'],
    ['no account, editor', bearer(devToken({ sub: 'u', role: 'editor' })), 'AUTH_CLAIMS_INVALID'],
    ['no account, support', bearer(devToken({ sub: 'u', role: 'support' })), 'AUTH_CLAIMS_INVALID'],
    ['bad site ids', bearer(devToken({ ...claims, site_ids: [1, -2] })), 'AUTH_CLAIMS_INVALID'],
  ];
  for (const [name, headers, code] of cases) {
    const res = await call(headers);
    t.equal(res.statusCode, 401, name);
    t.match(res.json(), { success: false, code }, name);
    t.equal(res.headers['www-authenticate'], 'Bearer', name);
  }
  t.equal((await call(bearer(devToken({ ...claims, site_ids: [1, 2] })))).statusCode, 412, 'valid token passes');
});

t.test('developer and system_bot tokens may name no account: the principal has account_id null', async (t) => {
  const app = await build(t);
  for (const role of ['developer', 'system_bot']) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/things',
      payload: { site_id: 1, name: 'x' },
      headers: bearer(devToken({ sub: 'scheduler', role })),
    });
    t.equal(res.statusCode, 201, role);
    t.same(res.json().data.who, { user_id: 'scheduler', account_id: null, role, site_ids: null }, role);
  }
});

t.test('accountForCreate: the body names the account; only developer and system_bot may name another', async (t) => {
  const p = (role: Role, account_id: number | null) => ({ user_id: 'u', account_id, role, site_ids: null });
  t.equal(accountForCreate(p('editor', 7), undefined), 7, 'absent: the token’s');
  t.equal(accountForCreate(p('editor', 7), 7), 7, 'the own account may be named');
  t.equal(accountForCreate(p('system_bot', 7), 9), 9);
  t.equal(accountForCreate(p('developer', null), 9), 9);
  for (const role of ['editor', 'admin', 'owner'] as const) {
    t.throws(() => accountForCreate(p(role, 7), 9), {
      code: 'ROLE_FORBIDDEN',
      statusCode: 403,
      errors: { account_id: [String] },
    });
  }
  t.throws(() => accountForCreate(p('system_bot', null), undefined), {
    code: 'VALIDATION',
    statusCode: 400,
    errors: { account_id: [/required/] },
  });
});

t.test('RS256 with a configured public key', async (t) => {
  const app = await build(t, { jwt: { secret: null, developmentSecret: false, publicKey: publicPem } });
  const call = (token: string) => app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(token) });
  t.equal((await call(signTestToken(claims, { alg: 'RS256', key: privatePem }))).statusCode, 412, 'RS256 accepted');
  t.equal((await call(signTestToken(claims, { alg: 'RS256', key: otherRsa }))).statusCode, 401, 'other key refused');
  t.equal((await call(devToken())).statusCode, 401, 'HS256 refused when only RS256 is configured');
  t.equal(
    (await call(signTestToken(claims, { alg: 'HS256', key: publicPem }))).statusCode,
    401,
    'HS256 signed with the public key refused',
  );

  const both = await build(t, { jwt: { secret: 's3cret', developmentSecret: false, publicKey: publicPem } });
  const callBoth = (token: string) => both.inject({ method: 'GET', url: '/api/conflict', headers: bearer(token) });
  t.equal((await callBoth(signTestToken(claims, { alg: 'RS256', key: privatePem }))).statusCode, 412);
  t.equal((await callBoth(signTestToken(claims, { key: 's3cret' }))).statusCode, 412);
  t.equal((await callBoth(signTestToken(claims, { alg: 'HS256', key: publicPem }))).statusCode, 401);
  t.equal((await callBoth(signTestToken(claims, { alg: 'none' }))).statusCode, 401);
});

t.test('rate limit per account → 429 with Retry-After in the envelope', async (t) => {
  const app = await build(t, { rateMax: 3 });
  const call = (account: number) =>
    app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(devToken({ ...claims, account_id: account })) });
  // The window opens with the first request; later ones see the seconds left of it, which a
  // stalled runner may have moved past a second boundary — so that is bounded by the clock.
  const opened = Date.now();
  const secondsLeft = () => {
    const latest = Math.ceil((60_000 - (Date.now() - opened)) / 1000);
    return (value: string | string[] | number | undefined) =>
      Number(value) >= latest && Number(value) <= 60 && /^\d+$/.test(String(value));
  };
  for (let i = 0; i < 3; i++) {
    const counted = await call(1);
    const inWindow = secondsLeft();
    t.equal(counted.statusCode, 412);
    t.equal(counted.headers['x-ratelimit-limit'], '3');
    t.equal(counted.headers['x-ratelimit-remaining'], String(2 - i), 'remaining counts down');
    if (i === 0) t.equal(counted.headers['x-ratelimit-reset'], '60', 'a new window: its whole length');
    else t.ok(inWindow(counted.headers['x-ratelimit-reset']), 'seconds until the window ends');
  }
  const limited = await call(1);
  const inWindow = secondsLeft();
  t.equal(limited.statusCode, 429);
  t.ok(inWindow(limited.headers['retry-after']), 'Retry-After: the seconds left of the window');
  t.equal(limited.headers['retry-after'], limited.headers['x-ratelimit-reset']);
  t.equal(limited.headers['x-ratelimit-remaining'], '0');
  t.match(limited.json(), { success: false, code: 'RATE_LIMITED', error: /3 requests per 60 s/ });
  t.equal((await call(2)).statusCode, 412, 'another account has its own budget');
  const platformCaller = (sub: string) =>
    app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(devToken({ sub, role: 'system_bot' })) });
  for (let i = 0; i < 3; i++) t.equal((await platformCaller('scheduler')).statusCode, 412);
  t.equal((await platformCaller('scheduler')).statusCode, 429, 'a token without an account has a budget too');
  t.equal((await platformCaller('importer')).statusCode, 412, '… its own, by subject, not shared by all of them');
  const health = await app.inject({ url: '/health' });
  t.equal(health.statusCode, 200, 'health is not throttled');
  t.notOk(health.headers['x-ratelimit-limit'], 'nor counted');
  const anonymous = await app.inject({ method: 'GET', url: '/api/conflict' });
  t.equal(anonymous.statusCode, 401, 'no token: refused before the limiter counts it');
  t.notOk(anonymous.headers['x-ratelimit-limit']);
});

t.test("a public route is limited by the caller's address, even with a token", async (t) => {
  const app = await build(t, { rateMax: 2 });
  const ping = (headers = {}) => app.inject({ method: 'GET', url: '/public/ping', headers });
  t.equal((await ping()).headers['x-ratelimit-remaining'], '1');
  t.equal((await ping(bearer(devToken()))).headers['x-ratelimit-remaining'], '0', 'a token is not verified here');
  t.equal((await ping()).statusCode, 429);
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(devToken()) })).statusCode,
    412,
    'the account has its own budget',
  );
});

t.test('request.principal read on a route without authenticate is a programming error: 500', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'GET', url: '/public/whoami', headers: bearer(devToken()) });
  t.equal(res.statusCode, 500);
  t.match(res.json(), { success: false, code: 'INTERNAL_ERROR' });
});

t.test('health and readiness', async (t) => {
  let up = true;
  const app = await build(t, {
    readiness: [
      {
        name: 'database',
        check: async () => {
          if (!up) throw new Error('down');
        },
      },
    ],
  });
  t.same((await app.inject({ url: '/health' })).json().data, { status: 'ok' });
  t.same((await app.inject({ url: '/ready' })).json().data, { status: 'ready', checks: { database: 'ok' } });
  up = false;
  const down = await app.inject({ url: '/ready' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), { success: false, code: 'NOT_READY', errors: { database: ['unavailable'] } });
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'liveness does not depend on the database');
});

t.test('OpenAPI document at /docs/json', async (t) => {
  const app = await build(t);
  const doc = await app.inject({ url: '/docs/json' });
  t.equal(doc.statusCode, 200);
  t.ok(doc.json().paths['/api/things'].post, 'routes are documented');
});

t.test('configuration from the environment', async (t) => {
  const c = loadPlatformConfig({}, { portVariable: 'COMMAND_API_PORT', defaultPort: 3000 });
  t.equal(c.port, 3000);
  t.equal(c.jwt.developmentSecret, true);
  t.equal(
    loadPlatformConfig({ READ_API_PORT: '4001' }, { portVariable: 'READ_API_PORT', defaultPort: 3001 }).port,
    4001,
  );
  t.throws(
    () => loadPlatformConfig({ COMMAND_API_PORT: 'x' }, { portVariable: 'COMMAND_API_PORT', defaultPort: 3000 }),
    { code: 'CONFIG_INVALID' },
  );
  t.throws(() => loadPlatformConfig({ NODE_ENV: 'production' }, { portVariable: 'P', defaultPort: 1 }), {
    code: 'CONFIG_JWT_SECRET_REQUIRED',
  });
  t.throws(() => loadPlatformConfig({ JWT_PUBLIC_KEY: 'nope' }, { portVariable: 'P', defaultPort: 1 }), {
    code: 'CONFIG_INVALID',
    variable: 'JWT_PUBLIC_KEY',
  });
  t.throws(
    () => loadPlatformConfig({ JWT_PUBLIC_KEY_FILE: '/nonexistent/key.pem' }, { portVariable: 'P', defaultPort: 1 }),
    { code: 'CONFIG_INVALID', variable: 'JWT_PUBLIC_KEY_FILE' },
  );
  const rs = loadPlatformConfig(
    { JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n') },
    { portVariable: 'P', defaultPort: 1 },
  );
  t.equal(rs.jwt.secret, null, 'RS256 only without an explicit JWT_SECRET');
  t.ok(rs.jwt.publicKey);
});

t.test('a remembered token still stops working when it expires', async (t) => {
  const app = await build(t);
  const token = devToken(claims, { expiresInSeconds: 1 });
  const call = () => app.inject({ method: 'GET', url: '/api/conflict', headers: bearer(token) });
  t.equal((await call()).statusCode, 412, 'valid');
  t.equal((await call()).statusCode, 412, 'valid (remembered)');
  // Refused once exp + the 5 s clock tolerance has passed: poll for it (bounded) rather than guess a sleep.
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
  let expired = await call();
  while (expired.statusCode === 412 && Date.now() < (exp + 15) * 1000) {
    await new Promise((r) => setTimeout(r, 100));
    expired = await call();
  }
  t.ok(Date.now() >= (exp + 5) * 1000, 'valid until exp + the clock tolerance');
  t.equal(expired.statusCode, 401);
  t.match(expired.json(), { code: 'AUTH_TOKEN_EXPIRED' });
});
