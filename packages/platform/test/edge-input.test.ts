/**
 * Input refused at the edge before any route runs: bodies that are not UTF-8 JSON as sent, numbers a
 * double cannot hold, prototype keys, clients gone mid-body, and requests Node's HTTP parser
 * refuses — each a 4xx in the envelope, never a silently changed value or Fastify's own body.
 */
import { connect } from 'node:net';
import { signTestToken } from '@publisher/testing';
import t from 'tap';
import { Type } from 'typebox';
import { toProblem } from '../src/error-handler.ts';
import { createFastify, DEVELOPMENT_JWT_SECRET, platform, success } from '../src/index.ts';

const app = createFastify({ logLevel: 'silent', bodyLimit: 12 * 1024 * 1024 });
await app.register(platform, {
  config: {
    jwt: { secret: DEVELOPMENT_JWT_SECRET, developmentSecret: true, publicKey: null },
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
  },
  openapi: { title: 'test', version: '0.0.0' },
});
const stored: unknown[] = [];
await app.register(
  async (api) => {
    api.addHook('onRequest', api.authenticate);
    api.post(
      '/things',
      { schema: { body: Type.Object({ metadata: Type.Record(Type.String(), Type.Unknown()) }) } },
      async (request) => {
        stored.push(request.body);
        return success(request, request.body);
      },
    );
  },
  { prefix: '/api' },
);
t.teardown(() => app.close());

/**
 * Sends raw bytes (then half-closes, with `end`) and reads until the server closes the
 * connection; returns what came back and how long it took.
 */
function rawExchange(port: number, bytes: string, end: boolean): Promise<{ answer: string; elapsed: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, elapsed: Date.now() - started }));
    if (end) socket.end(bytes);
    else socket.write(bytes);
  });
}

const token = signTestToken({ sub: 'user-1', account_id: 7, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });
const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    payload,
  });

t.test('a body is UTF-8 JSON as sent, or refused', async (t) => {
  const latin1 = Buffer.concat([Buffer.from('{"metadata":{"t":"caf'), Buffer.from([0xe9]), Buffer.from('"}}')]);
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string]> = [
    ['bytes that are not UTF-8', await post(latin1), 400, 'INVALID_JSON'],
    ['a lone continuation byte', await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, 'INVALID_JSON'],
    [
      'charset=iso-8859-1',
      await post('{"metadata":{}}', { 'content-type': 'application/json; charset=iso-8859-1' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'charset=utf-16',
      await post('{"metadata":{}}', { 'content-type': 'application/json;charset="UTF-16"' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'Content-Encoding: gzip',
      await post('{"metadata":{}}', { 'content-encoding': 'gzip' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a __proto__ key', await post('{"metadata":{"__proto__":{"x":1}}}'), 400, 'INVALID_JSON'],
  ];
  for (const [what, res, status, code] of cases) {
    t.equal(res.statusCode, status, what);
    t.match(res.json(), { success: false, code, request_id: String }, what);
  }
  t.match(cases[0]![1].json().error, /not valid UTF-8/);
  t.match(cases[4]![1].json().error, /Content-Encoding gzip is not accepted/);
  t.match(cases[5]![1].json().error, /"__proto__" or "constructor.prototype" key/, 'valid JSON is not called invalid');
  t.same(stored, [], 'nothing refused reached the route');

  const utf8 = await post('{"metadata":{"t":"café ✓ 🎉"}}', { 'content-type': 'application/json; charset=UTF-8' });
  t.equal(utf8.statusCode, 200, 'charset=UTF-8 is taken');
  t.equal(utf8.json().data.metadata.t, 'café ✓ 🎉', 'and its text kept as sent');
  const identity = await post('{"metadata":{}}', { 'content-encoding': 'identity' });
  t.equal(identity.statusCode, 200, 'Content-Encoding: identity is no encoding');
  for (const type of [
    'application/json; charset=us-ascii',
    'application/json; charset=',
    'application/json; profile="x;charset=utf-16"',
    'application/json; profile=x; charset="utf-8"',
  ]) {
    t.equal((await post('{"metadata":{}}', { 'content-type': type })).statusCode, 200, type);
  }
});

t.test('a key repeated in one object is a 400 naming it, not one of the two values chosen silently', async (t) => {
  const before = stored.length;
  for (const [body, key] of [
    ['{"metadata":{"a":1,"a":2}}', 'a'],
    ['{"metadata":{"a":1},"metadata":{"b":2}}', 'metadata'],
    ['{"metadata":{"x":[{"k":1,"k" :2}]}}', 'k'],
    ['{"metadata":{"\\u0061":1,"a":2}}', 'a'],
  ] as const) {
    const res = await post(body);
    t.equal(res.statusCode, 400, body);
    t.match(
      res.json(),
      { code: 'INVALID_JSON', error: `request body has the key "${key}" more than once in one object` },
      body,
    );
  }
  t.equal(stored.length, before, 'nothing refused reached the route');
  // The same key in different objects, in arrays, and as a value are no repeats.
  for (const body of [
    '{"metadata":{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a","d":["a","a"]}}',
    '{"metadata":{"s":"\\":\\"","t":"{\\"x\\":1,\\"x\\":2}"}}',
  ]) {
    t.equal((await post(body)).statusCode, 200, body);
  }
});

t.test('a number a double cannot hold is a 400, not a changed value', async (t) => {
  for (const literal of [
    '1e400',
    '-1e400',
    '1e-400',
    '12345678901234567890123',
    '-9007199254740993',
    '9.007199254740993e15',
    '9007199254740993.0',
  ]) {
    const res = await post(`{"metadata":{"x":${literal}}}`);
    t.equal(res.statusCode, 400, literal);
    t.match(
      res.json(),
      { code: 'VALIDATION', errors: { 'metadata.x': [/integers within ±9007199254740991/] } },
      literal,
    );
  }
  for (const literal of [
    '1e300',
    '1.5e-300',
    '9007199254740991',
    '-9007199254740991',
    '0',
    '0.0e-400',
    '3.14',
    '-0',
    '1E+30',
  ]) {
    const res = await post(`{"metadata":{"x":${literal}}}`);
    t.equal(res.statusCode, 200, `${literal} is kept`);
    t.equal(res.json().data.metadata.x, Number(literal), literal);
  }
  const inString = await post('{"metadata":{"id":"12345678901234567890123","e":"1e400"}}');
  t.equal(inString.statusCode, 200, 'digits inside strings are text, not numbers');
  const escaped = await post('{"metadata":{"a":"\\"1e400\\\\","b":[1,2]}}');
  t.equal(escaped.statusCode, 200, 'an escaped quote does not end a string');
  const inArray = await post('{"metadata":{"a":[1,2,1e999]}}');
  t.equal(inArray.statusCode, 400, 'a number in an array is checked too');
  const named = await post('{"metadata":{"z":0,"a":[0,{"b":1e-400}]}}');
  t.match(named.json().errors, { 'metadata.a.1.b': [String] }, 'the error names the number’s field');
  const numbered = await post('{"metadata":{"2":1,"1":1e400}}');
  t.match(numbered.json().errors, { body: [String] }, 'integer-like keys reorder an object: the body is named');
  const long = await post(`{"metadata":{"a":"${'x'.repeat(9 * 1024 * 1024)}","n":1234567890123456}}`);
  t.equal(long.statusCode, 200, 'a 9 MiB string beside a 16-digit number: scanned without a regular expression');
});

t.test('a client gone mid-body is a client error, not a database outage', async (t) => {
  const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
  t.match(toProblem(aborted), { status: 400, code: 'BAD_REQUEST', message: /closed the connection/ });
  const database = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  t.match(toProblem(database), { status: 503, code: 'DATABASE_UNAVAILABLE' }, 'a database connection reset still is');
});

t.test('the Bearer scheme is case-insensitive', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/things',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    payload: '{"metadata":{}}',
  });
  t.equal(res.statusCode, 200);
});

t.test('a request Node’s HTTP parser refuses is answered in the envelope', async (t) => {
  const server = createFastify({ logLevel: 'silent', bodyLimit: 4096 });
  server.get('/', async () => ({ ok: true }));
  server.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { ok: true };
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const { port } = server.server.address() as { port: number };
  const raw = async (request: string) => (await rawExchange(port, request, true)).answer;
  const parse = (answer: string) => {
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) };
  };
  const method = parse(await raw('FOO / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.equal(method.status, 400);
  t.match(method.body, { success: false, code: 'BAD_REQUEST', error: 'unknown HTTP method', request_id: String });
  t.match(method.head, new RegExp(`x-request-id: ${method.body.request_id}`), 'the id in the header too');
  const long = parse(await raw(`GET /?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
  t.equal(long.status, 431);
  t.match(long.body, { success: false, code: 'HEADERS_TOO_LARGE' });
  const garbage = parse(await raw('GET / HTTP/1.1\r\nHost x\r\n\r\n'));
  t.equal(garbage.status, 400);
  t.match(garbage.body, { success: false, code: 'BAD_REQUEST', error: 'malformed HTTP request' });
  const pipelined = await raw('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nFOO / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.notMatch(
    pipelined,
    /^HTTP\/1\.1 400/,
    'garbage behind a request still being answered is not answered in its place',
  );
});

t.test('a request cut short is answered 408 soon after the request timeout', async (t) => {
  const server = createFastify({ logLevel: 'silent', bodyLimit: 4096 }, { requestTimeout: 500 });
  server.post('/', async () => ({ ok: true }));
  await server.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const { port } = server.server.address() as { port: number };
  // The start of a request, the connection left open: the server must end it.
  const cutShort = (start: string) => rawExchange(port, start, false);
  const cases = {
    'a body': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"',
    'the headers': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Ty',
  };
  for (const [what, start] of Object.entries(cases)) {
    const { answer, elapsed } = await cutShort(start);
    t.match(answer, /^HTTP\/1\.1 408/, what);
    t.match(answer, /"code":"REQUEST_TIMEOUT"/, what);
    // Not Node's 60 s headers timeout, nor its 30 s check interval: the timeout and a tenth of it.
    t.ok(elapsed >= 450 && elapsed < 2_000, `${what}: answered after ${elapsed} ms`);
  }
});
