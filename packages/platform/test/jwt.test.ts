import { signTestToken } from '@publisher/testing';
import t, { type Test } from 'tap';
import {
  createFastify,
  createTokenSigner,
  DEVELOPMENT_JWT_SECRET,
  type JwtConfig,
  loadJwtPolicy,
  loadPlatformConfig,
  platform,
  resolveJwtSecret,
} from '../src/index.ts';
import { isLoopbackHost } from '../src/jwt-secret.ts';

const claims = { sub: 'user-1', account_id: 7, role: 'editor' };
const SECRET = 'a-secret-of-at-least-32-bytes-for-tests';
const load = (env: NodeJS.ProcessEnv) => loadPlatformConfig(env, { portVariable: 'P', defaultPort: 1 });

/** A platform app with one authenticated route answering 204. */
async function build(t: Test, jwt: JwtConfig) {
  const app = createFastify({ logLevel: 'silent', bodyLimit: 1024 });
  await app.register(platform, {
    config: { jwt, rateLimit: { max: 1000, timeWindowMs: 60_000 } },
    openapi: { title: 'test', version: '0.0.0' },
  });
  await app.register(async (api) => {
    api.addHook('onRequest', api.authenticate);
    api.get('/me', async (_request, reply) => reply.code(204).send());
  });
  t.teardown(() => app.close());
  return (token: string) => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
}

t.test('the development secret guards only services on loopback, never production', async (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
    t.ok(isLoopbackHost(host), `${host} is loopback`);
    t.equal(load({ HOST: host }).jwt.developmentSecret, true, `development secret accepted on ${host}`);
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'api.example.com', '128.0.0.1']) {
    t.notOk(isLoopbackHost(host), `${host} is not loopback`);
    t.throws(() => load({ HOST: host }), { code: 'CONFIG_JWT_SECRET_REQUIRED', message: /not a loopback address/ });
  }
  t.equal(
    load({ HOST: '0.0.0.0', JWT_ALLOW_DEVELOPMENT_SECRET: 'true' }).jwt.developmentSecret,
    true,
    'the explicit opt-in allows it on any address',
  );
  t.throws(() => load({ HOST: '0.0.0.0', JWT_ALLOW_DEVELOPMENT_SECRET: 'false' }), {
    code: 'CONFIG_JWT_SECRET_REQUIRED',
  });
  t.throws(() => load({ NODE_ENV: 'production', JWT_ALLOW_DEVELOPMENT_SECRET: 'true' }), {
    code: 'CONFIG_JWT_SECRET_REQUIRED',
  });
  t.throws(() => load({ JWT_ALLOW_DEVELOPMENT_SECRET: 'yes' }), { code: 'CONFIG_INVALID' });
  t.equal(load({ HOST: '0.0.0.0', JWT_SECRET: SECRET }).jwt.secret, SECRET, 'a real secret works on any address');
  t.equal(resolveJwtSecret({}).development, true, 'a tool that only signs (no listen address) may use it');
  // Read as every declared variable is: trimmed, so a stray newline cannot hide production.
  t.throws(() => resolveJwtSecret({ NODE_ENV: 'production\n' }), { code: 'CONFIG_JWT_SECRET_REQUIRED' });
  // A ConfigError, so a service stops on it with one line naming the variable, as on any bad setting.
  t.throws(() => resolveJwtSecret({ NODE_ENV: 'production' }), { name: 'ConfigError', variable: 'JWT_SECRET' });
  t.throws(() => resolveJwtSecret({ NODE_ENV: 'production', JWT_SECRET: '  ' }), {
    code: 'CONFIG_JWT_SECRET_REQUIRED',
  });
});

t.test('secrets shorter than 32 bytes are refused at start', async (t) => {
  t.throws(() => load({ JWT_SECRET: 's3cret' }), {
    code: 'CONFIG_INVALID',
    message: /at least 32 bytes long \(got 6\)/,
  });
  t.throws(() => load({ JWT_SECRET: 'x'.repeat(31) }), { code: 'CONFIG_INVALID', variable: 'JWT_SECRET' });
  t.equal(load({ JWT_SECRET: 'x'.repeat(32) }).jwt.secret, 'x'.repeat(32));
  t.equal(load({ JWT_SECRET: 'é'.repeat(16) }).jwt.secret, 'é'.repeat(16), 'counted in UTF-8 bytes');
  t.throws(() => resolveJwtSecret({ JWT_SECRET: 'short' }), { code: 'CONFIG_INVALID' }, 'for minting tools too');
});

t.test('exp is required and the lifetime capped', async (t) => {
  const call = await build(t, {
    secret: SECRET,
    developmentSecret: false,
    publicKey: null,
    maxTokenTtlSeconds: 600,
  });
  const now = Math.floor(Date.now() / 1000);
  const sign = (c: Record<string, unknown>, o: Parameters<typeof signTestToken>[1] = {}) =>
    signTestToken(c, { key: SECRET, ...o });
  t.equal((await call(sign(claims, { expiresInSeconds: 600 }))).statusCode, 204, 'within the cap');
  const noExp = await call(sign(claims, { expiresInSeconds: null }));
  t.equal(noExp.statusCode, 401);
  t.match(noExp.json(), { code: 'AUTH_CLAIMS_INVALID', error: /exp is required/ });
  const long = await call(sign(claims, { expiresInSeconds: 3600 }));
  t.equal(long.statusCode, 401);
  t.match(long.json(), { code: 'AUTH_TOKEN_INVALID', error: /lifetime exceeds the accepted 600 s/ });
  const oldIat = await call(sign({ ...claims, iat: now - 7200 }, { expiresInSeconds: 60 }));
  t.equal(oldIat.statusCode, 401, 'a lifetime counted from iat above the cap is refused too');
  t.equal(
    (await call(sign({ ...claims, exp: 'soon' }, { expiresInSeconds: null }))).statusCode,
    401,
    'exp not a number',
  );

  const byDefault = await build(t, { secret: SECRET, developmentSecret: false, publicKey: null });
  t.equal((await byDefault(sign(claims, { expiresInSeconds: 24 * 3600 }))).statusCode, 204, 'default cap: a day');
  t.equal((await byDefault(sign(claims, { expiresInSeconds: 24 * 3600 + 60 }))).statusCode, 401);
  t.equal(load({}).jwt.maxTokenTtlSeconds, 86_400);
  t.equal(load({ JWT_MAX_TTL_SECONDS: '900' }).jwt.maxTokenTtlSeconds, 900);
  t.throws(() => load({ JWT_MAX_TTL_SECONDS: '10' }), { code: 'CONFIG_INVALID' });
});

t.test('iss and aud are checked when configured', async (t) => {
  const env = { JWT_SECRET: SECRET, JWT_ISSUER: 'https://id.example.test', JWT_AUDIENCE: 'publisher' };
  const config = load(env);
  t.equal(config.jwt.issuer, 'https://id.example.test');
  t.equal(config.jwt.audience, 'publisher');
  const call = await build(t, config.jwt);
  const sign = (c: Record<string, unknown>) => signTestToken({ ...claims, ...c }, { key: SECRET });
  t.equal((await call(sign({ iss: 'https://id.example.test', aud: 'publisher' }))).statusCode, 204);
  t.equal((await call(sign({ iss: 'https://id.example.test', aud: ['other', 'publisher'] }))).statusCode, 204);
  for (const [name, c] of [
    ['no iss', { aud: 'publisher' }],
    ['no aud', { iss: 'https://id.example.test' }],
    ['wrong iss', { iss: 'https://evil.test', aud: 'publisher' }],
    ['wrong aud', { iss: 'https://id.example.test', aud: 'other' }],
  ] as const) {
    const res = await call(sign(c));
    t.equal(res.statusCode, 401, name);
    t.match(res.json(), { code: 'AUTH_TOKEN_INVALID' }, name);
  }

  const open = await build(t, load({ JWT_SECRET: SECRET }).jwt);
  t.equal((await open(sign({}))).statusCode, 204, 'not configured: not required');
});

t.test('tokens minted with createTokenSigner pass the same rules', async (t) => {
  const env = { JWT_SECRET: SECRET, JWT_ISSUER: 'iss-a', JWT_AUDIENCE: 'aud-a', JWT_MAX_TTL_SECONDS: '900' };
  const config = load(env);
  const call = await build(t, config.jwt);
  const policy = loadJwtPolicy(env);
  const token = createTokenSigner({ secret: SECRET, policy, ttlSeconds: 900 })(claims);
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  t.match(payload, { iss: 'iss-a', aud: 'aud-a', sub: 'user-1' });
  t.equal(payload.exp - payload.iat, 900);
  t.equal((await call(token)).statusCode, 204);
  t.throws(() => createTokenSigner({ secret: SECRET, policy, ttlSeconds: 901 }), /above JWT_MAX_TTL_SECONDS/);
  t.throws(() => createTokenSigner({ secret: SECRET, policy, ttlSeconds: 0 }), /positive/);
});

t.test('the development secret itself still works on loopback (tests and pnpm token rely on it)', async (t) => {
  const call = await build(t, load({}).jwt);
  t.equal((await call(signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET }))).statusCode, 204);
});
