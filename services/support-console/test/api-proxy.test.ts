import { randomUUID } from 'node:crypto';
import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import { loadSupportConsoleConfig } from '../src/config.ts';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, unknown>;
  body: unknown;
}

/** An HTTP server standing in for one API: answers what `answer` says and records each request. */
async function upstream(
  t: Test,
  answer: (seen: Seen) => { status: number; body: unknown; headers?: Record<string, string> },
) {
  const seen: Seen[] = [];
  const server: FastifyInstance = Fastify();
  server.all('/*', async (request, reply) => {
    const entry = { method: request.method, url: request.url, headers: request.headers, body: request.body };
    seen.push(entry);
    const { status, body, headers } = answer(entry);
    return reply
      .code(status)
      .headers(headers ?? {})
      .send(body);
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => server.close());
  const address = server.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return { url, seen };
}

async function consoleWith(t: Test, commandApiUrl: string, readApiUrl: string) {
  const app = await buildApp(
    loadSupportConsoleConfig({ LOG_LEVEL: 'silent', COMMAND_API_URL: commandApiUrl, READ_API_URL: readApiUrl }),
  );
  t.teardown(() => app.close());
  return app;
}

const ok = () => ({ status: 200, body: { success: true, data: { ok: true }, request_id: 'r' } });

t.test(
  'reads go to the read API under its base path, with the token unchanged and nothing else of the browser',
  async (t) => {
    const reads = await upstream(t, ok);
    const commands = await upstream(t, ok);
    const app = await consoleWith(t, commands.url, reads.url);
    const token = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const response = await app.inject({
      url: '/api/read/publishing-records/?site_id=3&status=failed',
      headers: {
        authorization: token,
        cookie: 'session=secret',
        'x-forwarded-for': '10.0.0.1',
        'if-none-match': '"2"',
      },
    });
    t.equal(response.statusCode, 200);
    t.same(response.json().data, { ok: true });
    t.equal(reads.seen.length, 1);
    t.equal(commands.seen.length, 0);
    const [request] = reads.seen;
    t.equal(request?.method, 'GET');
    t.equal(request?.url, '/api/v1/publisher/publishing-records/?site_id=3&status=failed');
    t.equal(request?.headers.authorization, token);
    t.equal(request?.headers['if-none-match'], '"2"');
    t.notOk(request?.headers.cookie, 'cookies stay behind');
    t.notOk(request?.headers['x-forwarded-for']);
    t.ok(request?.headers['x-request-id'], 'the console’s request id goes along');
    t.equal(request?.headers['x-request-id'], response.headers['x-request-id'], 'one id in both logs');
  },
);

t.test('re-drives go to the command API with their body', async (t) => {
  const reads = await upstream(t, ok);
  const commands = await upstream(t, () => ({ status: 202, body: { success: true, data: { dry_run: false } } }));
  const app = await consoleWith(t, commands.url, reads.url);
  const id = randomUUID();
  const response = await app.inject({
    method: 'POST',
    url: `/api/command/publishing-records/${id}/republish`,
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    payload: { reason: 'INC-1', dry_run: true },
  });
  t.equal(response.statusCode, 202);
  t.equal(commands.seen[0]?.url, `/api/v1/publisher/publishing-records/${id}/republish`);
  t.same(commands.seen[0]?.body, { reason: 'INC-1', dry_run: true });
  t.equal(commands.seen[0]?.headers.authorization, 'Bearer t');
});

t.test('only the calls the console makes pass: GET to reads, POSTs of re-drives to commands', async (t) => {
  const reads = await upstream(t, ok);
  const commands = await upstream(t, ok);
  const app = await consoleWith(t, commands.url, reads.url);
  const id = randomUUID();
  const refused = [
    // A method the proxy's side does not forward (its routes are wildcards: no 405 advertises them).
    await app.inject({ method: 'POST', url: '/api/read/publishing-records/', payload: {} }),
    await app.inject({ method: 'GET', url: `/api/command/publishing-records/${id}` }),
    await app.inject({ method: 'DELETE', url: `/api/command/publishing-records/${id}` }),
    await app.inject({ method: 'PATCH', url: `/api/command/publishing-records/${id}`, payload: {} }),
    await app.inject({ method: 'GET', url: '/api/command/deploy' }),
    // Commands that edit records, even as POSTs a token could send straight to the command API.
    await app.inject({ method: 'POST', url: '/api/command/deploy', payload: { site_id: 3 } }),
    await app.inject({ method: 'POST', url: '/api/command/publishing-records/', payload: {} }),
    await app.inject({ method: 'POST', url: `/api/command/publishing-records/${id}/start`, payload: {} }),
    await app.inject({ method: 'POST', url: `/api/command/deployments/${id}/cancel`, payload: {} }),
    await app.inject({ method: 'POST', url: `/api/command/publishing-records/${id}/republish/x`, payload: {} }),
    await app.inject({ method: 'POST', url: `/api/command/publishing-records/${id}%2Frepublish`, payload: {} }),
  ];
  for (const response of refused) t.match([response.statusCode, response.json().code], [404, 'ROUTE_NOT_FOUND']);
  t.equal(reads.seen.length + commands.seen.length, 0, 'nothing reached an API');
});

t.test('API errors reach the browser as the API sent them, without retries', async (t) => {
  const reads = await upstream(t, () => ({
    status: 503,
    body: { success: false, error: 'projection behind', code: 'PROJECTION_BEHIND', request_id: 'r1' },
    headers: { 'retry-after': '1' },
  }));
  const app = await consoleWith(t, reads.url, reads.url);
  const response = await app.inject({ url: '/api/read/publishing-records/' });
  t.equal(response.statusCode, 503);
  t.equal(response.headers['retry-after'], '1');
  t.match(response.json(), { code: 'PROJECTION_BEHIND' });
  t.equal(reads.seen.length, 1, 'one request, not retried');
});

t.test('an API that cannot be reached is a 503 in the error envelope', async (t) => {
  // Port 1 on loopback: nothing listens there, so the connection is refused. Over real HTTP, as a
  // browser sends it (a refused upstream with a request body behaves differently under inject).
  const app = await consoleWith(t, 'http://127.0.0.1:1', 'http://127.0.0.1:1');
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  for (const [method, url] of [
    ['GET', '/api/read/publishing-records/'],
    ['POST', `/api/command/publishing-records/${randomUUID()}/redeliver`],
  ] as const) {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ reason: 'x' }) } : {}),
    });
    t.equal(response.status, 503, url);
    t.match(await response.json(), { success: false, code: 'UPSTREAM_UNAVAILABLE', error: /cannot be reached/ }, url);
    t.equal(response.headers.get('retry-after'), '2');
  }
});

t.test('a 304 of the read API reaches the browser as a 304, over real HTTP', async (t) => {
  // A browser revalidating a record it holds: the read API answers a matching If-None-Match with 304,
  // its ETag and, as HTTP allows, the Content-Length the full answer would have had — no body.
  const reads = http.createServer((request, response) => {
    response.writeHead(304, {
      etag: '"7"',
      'content-length': '42',
      'x-seen-if-none-match': String(request.headers['if-none-match']),
    });
    response.end();
  });
  await new Promise<void>((resolve) => reads.listen(0, '127.0.0.1', resolve));
  t.teardown(() => reads.close());
  const address = reads.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  const app = await consoleWith(t, url, url);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${base}/api/read/publishing-records/${randomUUID()}`, {
    headers: { 'if-none-match': '"7"' },
  });
  t.equal(response.status, 304);
  t.equal(response.headers.get('etag'), '"7"');
  t.equal(response.headers.get('x-seen-if-none-match'), '"7"', 'the validator went along');
  t.equal(await response.text(), '');
});
