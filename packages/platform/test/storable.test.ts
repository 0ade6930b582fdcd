import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { Type } from 'typebox';
import { toProblem } from '../src/error-handler.ts';
import { createFastify, DEVELOPMENT_JWT_SECRET, platform } from '../src/index.ts';
import { findUnstorable, unstorableReason } from '../src/storable.ts';

t.test('unstorableReason: NUL and unpaired surrogates, nothing else', async (t) => {
  t.equal(unstorableReason('plain'), null);
  t.equal(unstorableReason('emoji 😀 and 𝄞'), null, 'surrogate pairs are fine');
  t.equal(unstorableReason('a\u0000'), 'nul');
  t.equal(unstorableReason('\ud83d'), 'surrogate', 'high surrogate at the end');
  t.equal(unstorableReason('\ud83dx'), 'surrogate', 'high surrogate followed by a non-surrogate');
  t.equal(unstorableReason('x\ude00'), 'surrogate', 'low surrogate alone');
  t.equal(unstorableReason('\ude00\ud83d'), 'surrogate', 'a pair in the wrong order');
  t.equal(unstorableReason(`${'😀'.slice(0, 1)}😀`), 'surrogate', 'an emoji cut in half before a whole one');
});

t.test('findUnstorable walks values and keys at any depth, iteratively', async (t) => {
  t.same(findUnstorable({ a: 1, b: ['x', { c: 'ok' }] }), []);
  t.same(findUnstorable({ a: { 'k\u0000': 1, list: [0, 'v\ud800'] } }), [
    { instancePath: '/a/k\\u0000', message: 'key must not contain U+0000 (NUL)' },
    { instancePath: '/a/list/1', message: 'must not contain an unpaired UTF-16 surrogate' },
  ]);
  t.same(findUnstorable({ 'a/b~c': '\u0000' }), [
    { instancePath: '/a~1b~0c', message: 'must not contain U+0000 (NUL)' },
  ]);
  let deep: unknown = '\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  t.equal(findUnstorable(deep).length, 1, 'no stack overflow on deep nesting');
  t.equal(findUnstorable(Array.from({ length: 100 }, () => '\u0000')).length, 20, 'stops after 20 findings');
});

t.test('the validator refuses them in every part of a request, naming the field', async (t) => {
  const app = createFastify({ logLevel: 'silent', bodyLimit: 4096 });
  await app.register(platform, {
    config: {
      jwt: { secret: DEVELOPMENT_JWT_SECRET, developmentSecret: true, publicKey: null },
      rateLimit: { max: 1000, timeWindowMs: 60_000 },
    },
    openapi: { title: 'test', version: '0.0.0' },
  });
  app.post(
    '/things/:name',
    {
      schema: {
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object({ q: Type.Optional(Type.String()) }),
        body: Type.Object({ meta: Type.Record(Type.String(), Type.Unknown()) }),
      },
    },
    async () => ({ ok: true }),
  );
  t.teardown(() => app.close());
  const post = (url: string, body: string) =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });

  t.equal((await post('/things/x?q=y', '{"meta":{"a":"😀"}}')).statusCode, 200, 'clean input passes');
  const body = await post('/things/x', '{"meta":{"a":["\\u0000"],"\\ud800":1}}');
  t.equal(body.statusCode, 400);
  t.same(body.json().errors, {
    'meta.a.0': ['must not contain U+0000 (NUL)'],
    'meta.\\ud800': ['key must not contain an unpaired UTF-16 surrogate'],
  });
  const query = await post('/things/x?q=a%00b', '{"meta":{}}');
  t.equal(query.statusCode, 400);
  t.same(query.json().errors, { 'querystring.q': ['must not contain U+0000 (NUL)'] });
  const params = await post('/things/a%00b', '{"meta":{}}');
  t.equal(params.statusCode, 400);
  t.same(params.json().errors, { 'params.name': ['must not contain U+0000 (NUL)'] });
});

t.test('backstop: PostgreSQL refusing a value as data is a 400, not a 500', async (t) => {
  const db = await createTestDatabase('storable');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(async () => {
    await client.end();
    await db.drop();
  });
  const refused = async (sql: string, values: unknown[]) => {
    try {
      await client.query(sql, values);
    } catch (err) {
      return err;
    }
    throw new Error(`${sql} did not fail`);
  };
  const cases: Array<[string, unknown, string]> = [
    ['NUL in jsonb', await refused('SELECT $1::jsonb', ['{"a":"\\u0000"}']), '22P05'],
    ['lone surrogate in jsonb', await refused('SELECT $1::jsonb', ['{"a":"\\ud800"}']), '22P02'],
    ['NUL in text', await refused('SELECT $1::text', ['a\u0000b']), '22021'],
    ['not a uuid', await refused('SELECT $1::uuid', ['nope']), '22P02'],
  ];
  for (const [name, err, sqlstate] of cases) {
    t.equal((err as { code?: string }).code, sqlstate, `${name}: SQLSTATE ${sqlstate}`);
    t.match(toProblem(err), { status: 400, code: 'VALIDATION' }, name);
    t.match(toProblem(new Error('wrapped', { cause: err })), { status: 400 }, `${name}, as a cause`);
  }
  t.match(toProblem(Object.assign(new Error('x'), { code: '42P01' })), { status: 500 }, 'our own SQL errors stay 500');
});
