import http from 'node:http';
import { Writable } from 'node:stream';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import Fastify from 'fastify';
import t from 'tap';
import {
  contextFrom,
  fastifyTelemetry,
  inSpan,
  requestTraceparent,
  ServiceMetrics,
  startTracing,
} from '../src/index.ts';
import { listen } from '../src/metrics-server.ts';
import { PropagatingTracer } from '../src/propagating-tracer.ts';
import { startSpan, traceparentOf } from '../src/tracing.ts';

// Tracing on with nothing to export (the services' default): spans are not recorded, but every
// one still has real ids, so `traceparent` goes on into events and Kafka headers.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

async function api() {
  const fastify = Fastify({ logger: false });
  await fastify.register(fastifyTelemetry, { metrics: new ServiceMetrics('command_api'), serveMetrics: true });
  // What the command API stores in its events' metadata.
  fastify.post('/things/:id', async (request) => ({
    traceparent: requestTraceparent(request) ?? null,
    recording: request.telemetrySpan?.isRecording() ?? null,
  }));
  await fastify.ready();
  return fastify;
}

t.test('without an exporter: spans are not recorded, traceparent still propagates', async (t) => {
  const tracing = startTracing({ service: 'propagating-test', asyncContext: false });
  t.teardown(() => tracing.shutdown());
  const fastify = await api();
  t.teardown(() => fastify.close());
  const send = async (headers: Record<string, string>) =>
    (await fastify.inject({ method: 'POST', url: '/things/1', headers, payload: {} })).json() as {
      traceparent: string | null;
      recording: boolean | null;
    };

  const sampled = await send({ traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` });
  t.equal(sampled.recording, false, 'nothing records a span that nothing would export');
  const [, traceId, spanId, flags] = TRACEPARENT.exec(sampled.traceparent ?? '') ?? [];
  t.equal(traceId, TRACE_ID, 'the caller’s trace goes on');
  t.not(spanId, PARENT_SPAN, 'under a span of its own');
  t.equal(flags, '01', 'the caller’s sampling decision is kept');

  const unsampled = await send({ traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-00` });
  t.match(unsampled.traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`), 'an unsampled trace stays unsampled');

  const first = await send({});
  const second = await send({ traceparent: 'garbage' });
  t.match(first.traceparent, /-01$/, 'a new trace is sampled, so an exporting service downstream keeps it');
  t.match(second.traceparent, TRACEPARENT, 'a malformed traceparent starts a new trace');
  t.not(TRACEPARENT.exec(first.traceparent ?? '')?.[1], TRACEPARENT.exec(second.traceparent ?? '')?.[1]);
  t.not(TRACEPARENT.exec(first.traceparent ?? '')?.[1], TRACE_ID);

  // An append's span under the request's, from the traceparent its events carry.
  const parent = contextFrom({ traceparent: sampled.traceparent });
  const child = await inSpan('append', { parent }, async () => traceparentOf());
  t.equal(child, undefined, 'without an async context manager nothing is active');
  const span = startSpan('append', { parent });
  t.equal(span.spanContext().traceId, TRACE_ID);
  t.equal(span.isRecording(), false);
  t.match(traceparentOf(trace.setSpan(ROOT_CONTEXT, span)), new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
});

t.test('a request that sent no traceparent gets its span only when asked (a read stores none)', async (t) => {
  const tracing = startTracing({ service: 'lazy-test', asyncContext: false });
  t.teardown(() => tracing.shutdown());
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const fastify = Fastify({ logger: { level: 'info', stream } });
  await fastify.register(fastifyTelemetry, { metrics: null, serveMetrics: false });
  fastify.get('/reads/:id', async (request) => {
    const before = request.telemetrySpan === null ? 'none' : 'started';
    request.log.info('reading');
    return { before, first: requestTraceparent(request), again: requestTraceparent(request) };
  });
  await fastify.ready();
  t.teardown(() => fastify.close());
  const read = async (headers: Record<string, string>) =>
    (await fastify.inject({ method: 'GET', url: '/reads/1', headers })).json() as {
      before: string;
      first: string;
      again: string;
    };

  const plain = await read({});
  t.equal(plain.before, 'none', 'no span while nothing asks for one');
  t.match(plain.first, TRACEPARENT, 'asked: a new trace');
  t.equal(plain.again, plain.first, 'the same span for the rest of the request');
  const plainLine = lines.find((l) => l.msg === 'reading');
  t.notOk(plainLine && 'trace_id' in plainLine, 'no trace id in the logs of a request that sent none');

  lines.length = 0;
  const traced = await read({ traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, 'x-correlation-id': 'wf-7' });
  t.equal(traced.before, 'started', 'a traceparent came in: the span starts with the request');
  t.match(traced.first, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  t.match(
    lines.find((l) => l.msg === 'reading'),
    { trace_id: TRACE_ID, correlation_id: 'wf-7' },
    'ids in its logs',
  );
});

t.test('the tracer’s startActiveSpan forms make the new span active for the callback', async (t) => {
  const tracer = new PropagatingTracer();
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: PARENT_SPAN, traceFlags: 1 });
  t.equal(
    tracer.startActiveSpan('a', {}, parent, (span) => span.spanContext().traceId),
    TRACE_ID,
  );
  t.match(
    tracer.startActiveSpan('b', (span) => span.spanContext().traceId),
    /^[0-9a-f]{32}$/,
  );
  t.equal(
    tracer.startActiveSpan('c', { root: true }, (span) => span.spanContext().traceFlags),
    1,
  );
  t.not(tracer.startSpan('d', { root: true }, parent).spanContext().traceId, TRACE_ID, '`root` starts a new trace');
});

t.test('with an exporter the SDK records the spans and exports them', async (t) => {
  // A stand-in OTLP/HTTP collector on a free port.
  const received: Array<{ url: string | undefined; body: Buffer }> = [];
  const collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const { port, close } = await listen(collector, { host: '127.0.0.1', port: 0 });
  t.teardown(close);
  const tracing = startTracing({
    service: 'exporting-test',
    endpoint: `http://127.0.0.1:${port}`,
    asyncContext: false,
  });
  const fastify = await api();
  t.teardown(() => fastify.close());
  const res = await fastify.inject({
    method: 'POST',
    url: '/things/1',
    headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` },
    payload: {},
  });
  t.equal(res.json().recording, true);
  t.match(res.json().traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  await tracing.shutdown(); // flushes
  t.equal(received[0]?.url, '/v1/traces');
  t.ok(received[0]?.body.includes('POST /things/:id'), 'the server span was exported');
});

t.test('after shutdown spans are no-ops again', async (t) => {
  const tracing = startTracing({ service: 'stopped-test', asyncContext: false });
  await tracing.shutdown();
  const fastify = await api();
  t.teardown(() => fastify.close());
  const res = await fastify.inject({ method: 'POST', url: '/things/1', payload: {} });
  t.equal(res.json().traceparent, null, 'tracing off: no traceparent for events');
});
