/**
 * Responses go through the route's schema: envelopes built from data, JSON documents (a read
 * model's pre-rendered representations) written as they are where the schema says `Document(…)`,
 * and every error code with the one status the platform gives it.
 */
import { ListEnvelope, SuccessEnvelope } from '@publisher/contracts';
import t from 'tap';
import { Type } from 'typebox';
import { toProblem } from '../src/error-handler.ts';
import { noneMatch } from '../src/if-none-match.ts';
import {
  createFastify,
  DEVELOPMENT_JWT_SECRET,
  Document,
  errorResponses,
  HttpError,
  httpError,
  JsonDocument,
  platform,
  STATUS_BY_CODE,
  success,
} from '../src/index.ts';

const Thing = Type.Object({ id: Type.Integer(), name: Type.String() });
type Thing = { id: number; name: string };

const app = createFastify({ logLevel: 'silent', bodyLimit: 1024 });
await app.register(platform, {
  config: {
    jwt: { secret: DEVELOPMENT_JWT_SECRET, developmentSecret: true, publicKey: null },
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
  },
  openapi: { title: 'test', version: '0.0.0' },
});
const things: Array<Thing | JsonDocument<Thing>> = [
  new JsonDocument<Thing>('{"id":1,"name":"stored as it is","ignored":true}'),
  { id: 2, name: 'an object' },
];
app.get(
  '/one/:n',
  { schema: { params: Type.Object({ n: Type.Integer() }), response: { 200: SuccessEnvelope(Document(Thing)) } } },
  async (request) => {
    const { n } = request.params;
    return success(request, things[n]!, n === 1 ? 'with a message' : undefined);
  },
);
app.get('/list', { schema: { response: { 200: ListEnvelope(Document(Thing)) } } }, async (request) => ({
  success: true as const,
  count: 2,
  next: 'http://x.test/list?cursor="q"',
  previous: null,
  results: things,
  request_id: request.id,
}));
app.get(
  '/missing',
  { schema: { response: { 200: SuccessEnvelope(Thing), ...errorResponses([404, 503]) } } },
  async () => {
    throw httpError('RECORD_NOT_FOUND', 'no such thing');
  },
);
app.get('/plain', { schema: { response: { 200: SuccessEnvelope(Thing) } } }, async (request) =>
  success(request, { id: 3, name: 'x', secret: 'not in the schema' } as Thing),
);
app.get('/broken', { schema: { response: { 200: ListEnvelope(Document(Thing)) } } }, async (request) => ({
  success: true as const,
  count: 1,
  next: null,
  previous: null,
  results: [{ id: 4 } as Thing],
  request_id: request.id,
}));
t.teardown(() => app.close());
const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'x-request-id': 'r"1' } });

t.test('a JSON document goes out as it is; every other value as its schema says', async (t) => {
  t.equal(
    (await get('/one/0')).body,
    '{"success":true,"data":{"id":1,"name":"stored as it is","ignored":true},"request_id":"r\\"1"}',
  );
  t.equal(
    (await get('/one/1')).body,
    '{"success":true,"data":{"id":2,"name":"an object"},"message":"with a message","request_id":"r\\"1"}',
  );
  const list = await get('/list');
  t.equal(
    list.body,
    '{"success":true,"count":2,"next":"http://x.test/list?cursor=\\"q\\"","previous":null,' +
      '"results":[{"id":1,"name":"stored as it is","ignored":true},{"id":2,"name":"an object"}],"request_id":"r\\"1"}',
  );
  t.match(list.headers['content-type'], /^application\/json/);
  t.equal((await get('/plain')).body, '{"success":true,"data":{"id":3,"name":"x"},"request_id":"r\\"1"}');
  const broken = await get('/broken');
  t.equal(broken.statusCode, 500, 'a value missing a required field is a server error, not a partial body');
  t.match(broken.json(), { success: false, code: 'INTERNAL_ERROR' });
});

t.test('the OpenAPI document shows the schema of a document', async (t) => {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const schema = doc.paths['/list'].get.responses['200'].content['application/json'].schema;
  t.match(schema.properties.results.items, { type: 'object', properties: { id: { type: 'integer' } } });
});

t.test('error codes: one status each, and only known codes compile', async (t) => {
  t.equal(httpError('SITE_NOT_FOUND', 'x').statusCode, 404);
  t.equal(new HttpError('IDEMPOTENCY_KEY_REUSED', 'x').statusCode, 422);
  t.equal(httpError('POSITION_NOT_IN_LOG', 'x').statusCode, 400);
  t.equal(httpError('PROJECTION_STOPPED', 'x').statusCode, 503);
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
    t.ok(status >= 400 && status < 600, `${code}: ${status}`);
  }
  // @ts-expect-error 'TYPO' is not an error code: `pnpm typecheck` fails if this compiles.
  const typo = () => httpError('TYPO', 'x');
  t.type(typo, 'function');
});

t.test('a route’s error responses list the codes of each status', async (t) => {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const responses = doc.paths['/missing'].get.responses;
  const codesOf = (status: number) =>
    Object.keys(STATUS_BY_CODE).filter((code) => STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE] === status);
  t.same(responses['404'].content['application/json'].schema.properties.code.enum, codesOf(404));
  t.same(responses['503'].content['application/json'].schema.properties.code.enum, codesOf(503));
  t.ok(codesOf(404).includes('RECORD_NOT_FOUND') && !codesOf(404).includes('RATE_LIMITED'));
  const answer = await app.inject({ method: 'GET', url: '/missing' });
  t.equal(answer.statusCode, 404);
  t.match(answer.json(), { success: false, code: 'RECORD_NOT_FOUND', error: 'no such thing' });
  t.throws(() => errorResponses([418]), /no error code answers with status 418/);
});

t.test('every problem answers its code with the status the table gives it', async (t) => {
  const thrown = [
    httpError('RATE_LIMITED', 'x'),
    Object.assign(new Error('x'), { validation: [], validationContext: 'body' }),
    Object.assign(new SyntaxError('x'), { statusCode: 400 }),
    Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
    Object.assign(new Error('x'), { code: 'WRONG_EXPECTED_VERSION' }),
    Object.assign(new Error('x'), { code: 'APPEND_QUEUE_FULL' }),
    Object.assign(new Error('not ours'), { code: 'FST_SOME_PLUGIN', statusCode: 406 }),
    new Error('boom'),
  ];
  const problems = thrown.map(toProblem);
  for (const p of problems) t.equal(p.status, STATUS_BY_CODE[p.code], `${p.code}: ${p.status}`);
  t.same(
    problems.map((p) => p.code),
    [
      'RATE_LIMITED',
      'VALIDATION',
      'INVALID_JSON',
      'BODY_TOO_LARGE',
      'WRONG_EXPECTED_VERSION',
      'APPEND_QUEUE_FULL',
      'BAD_REQUEST',
      'INTERNAL_ERROR',
    ],
  );
  t.match(problems[6], { status: 400, message: 'not ours' }, "another plugin's client error is a 400 with its message");
  t.equal(problems[5]?.message, 'a dependency is unavailable; retry later', 'a 5xx message stays generic');
});

t.test('If-None-Match: weak comparison, lists and *', async (t) => {
  t.notOk(noneMatch(undefined, '"3"'), 'no header');
  t.ok(noneMatch('"3"', '"3"'));
  t.ok(noneMatch('W/"3"', '"3"'), 'weak tags match');
  t.ok(noneMatch('"1", W/"3" ', '"3"'), 'any of a list');
  t.ok(noneMatch('*', '"3"'), '* matches any representation');
  t.notOk(noneMatch('"4", "33"', '"3"'));
});
