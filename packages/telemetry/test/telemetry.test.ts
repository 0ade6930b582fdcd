import { connect } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { Scrape, scrapeMetrics } from '@publisher/testing';
import Fastify from 'fastify';
import t from 'tap';
import {
  contextFrom,
  fastifyTelemetry,
  loadTelemetryConfig,
  ServiceMetrics,
  serveMetrics,
  serveStatus,
  startTracing,
} from '../src/index.ts';
import { traceparentOf } from '../src/tracing.ts';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ service: 'telemetry-test', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
t.teardown(() => tracing.shutdown());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** A status server's error, as its JSON text: the APIs' envelope. */
const envelope = ({ code, error }: { code: string; error: string }) => JSON.stringify({ success: false, code, error });
const notFound = (route: string) => ({ code: 'ROUTE_NOT_FOUND', error: `route ${route} not found` });

async function app(options: { serveMetrics: boolean; metrics?: ServiceMetrics | null }) {
  const metrics = options.metrics === undefined ? new ServiceMetrics('read_api') : options.metrics;
  const fastify = Fastify({ logger: false });
  await fastify.register(fastifyTelemetry, { metrics, serveMetrics: options.serveMetrics });
  // What a route sees: the active context's traceparent (what the command API stores in events).
  fastify.post('/things/:id', async (request, reply) =>
    reply.code(201).send({ traceparent: traceparentOf(), body: request.body }),
  );
  fastify.get('/conflict', async (_request, reply) => reply.code(409).send({ code: 'CONFLICT' }));
  await fastify.ready();
  return { fastify, metrics };
}

t.test('a request continues an incoming traceparent; its handler runs inside the server span', async (t) => {
  exporter.reset();
  const { fastify } = await app({ serveMetrics: true });
  t.teardown(() => fastify.close());
  const res = await fastify.inject({
    method: 'POST',
    url: '/things/123',
    headers: { traceparent: PARENT, 'content-type': 'application/json' },
    payload: { a: 1 },
  });
  t.equal(res.statusCode, 201);
  const seen = res.json().traceparent as string;
  t.match(seen, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`), 'the handler is in the caller’s trace');
  const [span] = exporter.getFinishedSpans();
  t.equal(span?.name, 'POST /things/:id', 'named by the route pattern, not the URL');
  t.equal(span?.parentSpanContext?.spanId, '00f067aa0ba902b7', 'child of the caller’s span');
  t.equal(seen.split('-')[2], span?.spanContext().spanId, 'the handler’s active span is the server span');
  t.equal(span?.attributes['http.response.status_code'], 201);
});

t.test('a malformed traceparent starts a new trace instead of failing the request', async (t) => {
  exporter.reset();
  const { fastify } = await app({ serveMetrics: true });
  t.teardown(() => fastify.close());
  const res = await fastify.inject({
    method: 'POST',
    url: '/things/1',
    headers: { traceparent: 'garbage' },
    payload: {},
  });
  t.equal(res.statusCode, 201);
  const [span] = exporter.getFinishedSpans();
  t.equal(span?.parentSpanContext, undefined, 'a root span');
  t.not(span?.spanContext().traceId, TRACE_ID);
});

t.test('while spans are recorded, a request that sent no traceparent has one too', async (t) => {
  exporter.reset();
  const { fastify } = await app({ serveMetrics: true });
  t.teardown(() => fastify.close());
  await fastify.inject({ method: 'GET', url: '/conflict' });
  const [span] = exporter.getFinishedSpans();
  t.equal(span?.name, 'GET /conflict');
  t.equal(span?.parentSpanContext, undefined, 'a root span');
  t.equal(span?.attributes['http.response.status_code'], 409);
});

t.test('HTTP metrics: duration by route pattern and status class, 4xx by status; served at /metrics', async (t) => {
  const { fastify } = await app({ serveMetrics: true });
  t.teardown(() => fastify.close());
  for (const id of ['1', '2', '3']) await fastify.inject({ method: 'POST', url: `/things/${id}`, payload: {} });
  await fastify.inject({ method: 'GET', url: '/conflict' });
  await fastify.inject({ method: 'GET', url: '/nowhere/42' });
  const res = await fastify.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  const scrape = new Scrape(res.body);
  const name = 'publisher_read_api_http_request_duration_seconds';
  t.equal(scrape.family(name)?.type, 'HISTOGRAM');
  t.equal(scrape.histogramCount(name, { route: '/things/:id', method: 'POST', status_class: '2xx' }), 3);
  const buckets = scrape.samples(`${name}_bucket`, { route: '/things/:id' });
  t.ok(buckets.length >= 10, 'histogram buckets');
  t.equal(buckets.find((b) => b.labels.le === '+Inf')?.value, 3);
  t.equal(scrape.value('publisher_read_api_http_client_errors_total', { route: '/conflict', status: '409' }), 1);
  t.equal(scrape.value('publisher_read_api_http_client_errors_total', { route: 'unmatched', status: '404' }), 1);
  const routes = new Set(scrape.samples(`${name}_count`).map((m) => m.labels.route));
  t.notOk(
    [...routes].some((r) => r?.includes('42') || r?.includes('/1')),
    'no URL (no id) as a label',
  );
  t.ok(scrape.value('publisher_read_api_process_cpu_user_seconds_total')! >= 0, 'default process metrics');
  t.ok(scrape.family('publisher_read_api_nodejs_eventloop_lag_seconds'), 'default event-loop metrics');
});

t.test('METRICS_PORT: /metrics moves to its own server and leaves the app', async (t) => {
  const metrics = new ServiceMetrics('command_api');
  const { fastify } = await app({ serveMetrics: false, metrics });
  t.teardown(() => fastify.close());
  await fastify.inject({ method: 'POST', url: '/things/1', payload: {} });
  t.equal((await fastify.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the API port');
  const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const scrape = await scrapeMetrics(`http://127.0.0.1:${server.port}/metrics`);
  t.equal(scrape.histogramCount('publisher_command_api_http_request_duration_seconds', { route: '/things/:id' }), 1);
  t.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
});

t.test('serveStatus: /health from its callback, /metrics and every other path behind the token', async (t) => {
  const token = 'status-token-0123456789';
  let ok = false;
  const server = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token,
    metrics: new ServiceMetrics('relay'),
    health: async () => ({ ok, body: { status: ok ? 'ok' : 'degraded', detail: 1 } }),
  });
  t.teardown(() => server.close());
  const get = async (path: string, authorization?: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: authorization ? { authorization } : {},
    });
    return [res.status, res.headers.get('content-type'), await res.text(), res.headers.get('www-authenticate')];
  };
  const bearer = `Bearer ${token}`;
  t.same(
    await get('/health'),
    [503, 'application/json', '{"status":"degraded"}', null],
    'without the token: { status }',
  );
  ok = true;
  t.same(await get('/health?x=1', bearer), [200, 'application/json', '{"status":"ok","detail":1}', null]);
  const refused =
    '{"success":false,"code":"STATUS_TOKEN_REQUIRED","error":"this status endpoint needs Authorization: Bearer <STATUS_TOKEN>"}';
  t.same(await get('/metrics'), [401, 'application/json', refused, 'Bearer']);
  t.same(await get('/other', 'Bearer nope'), [401, 'application/json', refused, 'Bearer']);
  t.same(await get('/other?secret=1', bearer), [404, 'application/json', envelope(notFound('GET /other')), null]);
  const notAllowed = envelope({ code: 'METHOD_NOT_ALLOWED', error: 'POST is not allowed on /health; it takes GET' });
  t.same(await get('/health', bearer, 'POST'), [405, 'application/json', notAllowed, null]);
  const [status, type, text] = await get('/metrics', bearer);
  t.same([status, type], [200, 'text/plain; version=0.0.4; charset=utf-8']);
  t.match(text, /publisher_relay_process_cpu_user_seconds_total/);
  const bare = await serveMetrics(new ServiceMetrics('relay'), { host: '127.0.0.1', port: 0 });
  t.teardown(() => bare.close());
  const none = await fetch(`http://127.0.0.1:${bare.port}/health`);
  t.same(
    [none.status, await none.text()],
    [404, envelope(notFound('GET /health'))],
    "serveMetrics' server has no /health",
  );
});

t.test("serveStatus with a metricsPort: /metrics on its own server, none on the status server's", async (t) => {
  const options = { host: '127.0.0.1', metrics: new ServiceMetrics('worker'), health: null };
  const split = await serveStatus({ ...options, port: 0, metricsPort: 0 });
  t.teardown(() => split.close());
  t.not(split.metricsPort, split.port);
  t.equal((await fetch(`http://127.0.0.1:${split.port}/metrics`)).status, 404, 'not on the status server');
  t.equal((await fetch(`http://127.0.0.1:${split.metricsPort}/metrics`)).status, 200, 'on its own');
  const metricsOnly = await serveStatus({ ...options, port: null, metricsPort: 0 });
  t.teardown(() => metricsOnly.close());
  t.equal(metricsOnly.port, null, 'no status server without a port');
  t.equal((await fetch(`http://127.0.0.1:${metricsOnly.metricsPort}/metrics`)).status, 200);
  const none = await serveStatus({ ...options, metrics: null, port: null });
  t.same([none.port, none.metricsPort], [null, null]);
});

t.test('serveStatus: a health check that throws or rejects answers 503, and the server goes on', async (t) => {
  let fails: 'throw' | 'reject' = 'throw';
  const server = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    metrics: null,
    health: () => {
      if (fails === 'throw') throw new Error('no broker');
      return Promise.reject(new Error('no database'));
    },
  });
  t.teardown(() => server.close());
  const health = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/health`, { signal: AbortSignal.timeout(5000) });
    return [res.status, await res.text()];
  };
  const failed = envelope({ code: 'NOT_READY', error: 'the health check failed' });
  t.same(await health(), [503, failed], 'thrown');
  fails = 'reject';
  t.same(await health(), [503, failed], 'rejected');
});

t.test('serveStatus: its own routes answer JSON with their status, behind the token but /health', async (t) => {
  const token = 'status-token-0123456789';
  let ready = false;
  let fails: 'no' | 'throw' | 'reject' | 'unserialisable' = 'no';
  const server = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token,
    metrics: null,
    health: null,
    routes: {
      '/health': () => ({ status: 200, body: { status: 'ok' } }),
      '/ready': async () => (ready ? { status: 200, body: { ready } } : { status: 503, body: { code: 'NOT_READY' } }),
      '/status': () => {
        if (fails === 'throw') throw new Error('no status');
        if (fails === 'reject') return Promise.reject(new Error('no status'));
        return { status: 200, body: fails === 'no' ? { n: 1 } : { n: 1n } };
      },
    },
  });
  t.teardown(() => server.close());
  const get = async (path: string, authorization?: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: authorization ? { authorization } : {},
      signal: AbortSignal.timeout(5000),
    });
    return [res.status, res.headers.get('content-type'), await res.text()];
  };
  const bearer = `Bearer ${token}`;
  const body = '{"status":"ok"}';
  t.same(await get('/health'), [200, 'application/json', body], 'a /health route needs no token, and answers in full');
  for (const path of ['/ready', '/status']) t.equal((await get(path))[0], 401, `${path} without the token`);
  t.same(
    await get('/ready?x=1', bearer),
    [503, 'application/json', '{"code":"NOT_READY"}'],
    'its status passes through',
  );
  ready = true;
  t.same(await get('/ready', bearer), [200, 'application/json', '{"ready":true}']);
  t.same(await get('/status', bearer), [200, 'application/json', '{"n":1}']);
  const notAllowed = envelope({ code: 'METHOD_NOT_ALLOWED', error: 'DELETE is not allowed on /status; it takes GET' });
  t.same(await get('/status', bearer, 'DELETE'), [405, 'application/json', notAllowed], 'GET only');
  t.same(
    await get('/metrics', bearer),
    [404, 'application/json', envelope(notFound('GET /metrics'))],
    'no metrics given: no /metrics',
  );
  for (const failure of ['throw', 'reject', 'unserialisable'] as const) {
    fails = failure;
    const failed = envelope({ code: 'NOT_READY', error: '/status could not be answered' });
    t.same(await get('/status', bearer), [503, 'application/json', failed], failure);
  }
  fails = 'no';
  t.same(await get('/status', bearer), [200, 'application/json', '{"n":1}'], 'and the server goes on');
});

t.test('serveStatus: metrics that cannot be collected answer 500 INTERNAL_ERROR, and the server goes on', async (t) => {
  const metrics = new ServiceMetrics('worker');
  let fails = true;
  metrics.gaugeOf('broken', 'Throws while it should.', () => {
    if (fails) throw new Error('no reading');
    return 1;
  });
  const server = await serveStatus({ host: '127.0.0.1', port: 0, metrics, health: null });
  t.teardown(() => server.close());
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  const failed = envelope({ code: 'INTERNAL_ERROR', error: 'the metrics could not be collected' });
  t.same([res.status, res.headers.get('content-type'), await res.text()], [500, 'application/json', failed]);
  fails = false;
  t.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status, 200);
});

t.test('serveStatus: a request Node’s HTTP parser refuses is answered in the envelope, as on the APIs', async (t) => {
  const server = await serveStatus({
    host: '127.0.0.1',
    port: 0,
    token: 'status-token-0123456789',
    metrics: new ServiceMetrics('relay'),
    health: () => ({ ok: true, body: { status: 'ok' } }),
  });
  t.teardown(() => server.close());
  /** Sends raw bytes and reads until the server closes the connection. */
  const raw = (request: string) =>
    new Promise<{ status: number; head: string; body: Record<string, unknown> }>((resolve, reject) => {
      const socket = connect(server.port ?? 0, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        answer += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), head, body: JSON.parse(body) });
      });
      socket.end(request);
    });
  const method = await raw('FOO /health HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal(method.status, 400);
  t.match(method.body, { success: false, code: 'BAD_REQUEST', error: 'unknown HTTP method', request_id: String });
  t.match(method.head, new RegExp(`x-request-id: ${method.body.request_id}`), 'the id in the header too');
  const garbage = await raw('GET /health HTTP/1.1\r\nHost x\r\n\r\n');
  t.same([garbage.status, garbage.body.code], [400, 'BAD_REQUEST']);
  const long = await raw(`GET /health?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.same([long.status, long.body.code], [431, 'HEADERS_TOO_LARGE']);
  t.equal((await fetch(`http://127.0.0.1:${server.port}/health`)).status, 200, 'and the server goes on');
});

t.test('counters read from a stats object, with and without a label', async (t) => {
  const metrics = new ServiceMetrics('worker');
  const stats = { sent: 3, byReason: { a: 1, b: 2 } };
  metrics.counterOf('sent_total', 'Sent.', () => stats.sent);
  metrics.counterOf('dropped_total', 'Dropped.', () => stats.byReason, 'reason');
  stats.sent = 5;
  const scrape = new Scrape(await metrics.text());
  t.equal(scrape.value('publisher_worker_sent_total'), 5, 'the value at scrape time');
  t.equal(scrape.value('publisher_worker_dropped_total', { reason: 'b' }), 2);
});

t.test('configuration: booleans are true/false, anything else names the variable', async (t) => {
  t.same(loadTelemetryConfig({}), {
    metricsEnabled: true,
    metricsPort: null,
    tracingEnabled: true,
    otlpEndpoint: null,
  });
  t.match(
    loadTelemetryConfig({
      METRICS_ENABLED: 'false',
      METRICS_PORT: '9464',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
    }),
    {
      metricsEnabled: false,
      metricsPort: 9464,
      otlpEndpoint: 'http://otel:4318',
    },
  );
  t.throws(() => loadTelemetryConfig({ TRACING_ENABLED: 'yes' }), {
    code: 'CONFIG_INVALID',
    message: /TRACING_ENABLED/,
  });
  t.throws(() => loadTelemetryConfig({ METRICS_PORT: '70000' }), { message: /METRICS_PORT/ });
  t.throws(() => loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), {
    message: /OTEL_EXPORTER_OTLP_ENDPOINT/,
  });
});

t.test('contextFrom reads Kafka-style Buffer headers', async (t) => {
  const ctx = contextFrom({ traceparent: Buffer.from(PARENT) });
  t.equal(trace.getSpanContext(ctx)?.traceId, TRACE_ID);
  t.equal(trace.getSpanContext(contextFrom({}))?.traceId, undefined);
  t.equal(context.active(), context.active());
});
