/**
 * Issue #15 end to end: one command with a `traceparent` through the real stack (command API →
 * event store → relay → Kafka → worker → command API) is one trace, collected with the SDK's
 * in-memory exporter; then every service's `/metrics`, scraped after that traffic and parsed with a
 * Prometheus text parser, has its series with sane values and no unbounded label.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { startTracing } from '@publisher/telemetry';
import { cleanupStack, type Scrape, scrapeMetrics, testLogger } from '@publisher/testing';
import t, { type Test } from 'tap';
import { start } from '../src/worker.ts';
import { loopbackServer } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { API, editorToken, readUntil, startStack } from './helpers/stack.ts';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  service: 'observability-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
t.teardown(() => tracing.shutdown());

const defer = cleanupStack(t);
const stack = await startStack(defer, { statusPorts: true });
const webhook = await loopbackServer(() => ({ status: 200, body: { url: 'https://cms.test/traced', id: 'ext-t' } }));
defer(webhook.close);
const worker = await start({
  brokers: [stack.brokers],
  commandApiUrl: stack.commandUrl,
  jwtSecret: DEVELOPMENT_JWT_SECRET,
  topicPrefix: stack.prefix,
  groupId: `worker-${randomUUID()}`,
  port: 0,
  databaseUrl: stack.dbUrl,
  destinationPolicy: { allowPrivate: true },
  resolve: loopbackResolver,
  deliveryTimeoutMs: 2000,
  logger: testLogger('worker'),
});
defer(() => worker.close());

const TRACE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CALLER_SPAN = '1122334455667788';
const webhookHost = `hooks.publisher-test.example.com:${new URL(webhook.url).port}`;

const create = await fetch(`${stack.commandUrl}${API}/publishing-records/`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${editorToken}`,
    'content-type': 'application/json',
    traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`,
    'x-correlation-id': 'observability-flow',
  },
  body: JSON.stringify({
    content_id: 7,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: `http://${webhookHost}/hook` },
  }),
});
const created = (await create.json()) as { data: { id: string } };
const id = created.data.id;
const position = create.headers.get('x-position');
await readUntil(stack, id, (r) => r.status === 'published');

t.test('one trace from the HTTP request to the worker’s command calls', async (t) => {
  let spans: ReadableSpan[] = [];
  // The worker's last span ends just after the record shows published.
  for (let i = 0; i < 50; i++) {
    spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    if (spans.some((s) => s.name === 'command succeed')) break;
    await sleep(100);
  }
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const named = (name: string, kind?: SpanKind) =>
    spans.filter((s) => s.name === name && (kind === undefined || s.kind === kind));
  const parentOf = (s: ReadableSpan | undefined) => (s ? byId.get(s.parentSpanContext?.spanId ?? '') : undefined);

  const [request] = named('POST /api/v1/publisher/publishing-records', SpanKind.SERVER);
  t.ok(request, 'the create request has a server span in the caller’s trace');
  t.equal(request?.parentSpanContext?.spanId, CALLER_SPAN, 'child of the caller’s span');
  t.equal(parentOf(named('append')[0]), request, 'the append is a child of the request');

  // The worker handles each of the record's events; the created event's handling does the work.
  const handle = named('worker handle', SpanKind.CONSUMER).find((s) => parentOf(s) === request);
  t.ok(handle, 'the worker continues the traceparent the relay put on the Kafka message');
  for (const action of ['start', 'succeed']) {
    const [call] = named(`command ${action}`, SpanKind.CLIENT);
    t.ok(call, `the worker's ${action} call is traced`);
    let up = parentOf(call);
    while (up && up !== handle) up = parentOf(up);
    t.equal(up, handle, `${action} runs under the worker's handling`);
    const [served] = spans.filter(
      (s) => s.kind === SpanKind.SERVER && s.name.endsWith(`/:id/${action}`) && parentOf(s) === call,
    );
    t.ok(served, `the command API continues the worker's ${action} call`);
  }
  t.ok(named('deliver webhook', SpanKind.CLIENT).length === 1, 'the delivery is a span');

  // The trace is also in the data: the event's metadata, and the worker's events name their cause.
  const events = await stack.store.readStream(`publishing_record-${id}`);
  t.match(events[0]?.metadata.traceparent, new RegExp(`^00-${TRACE_ID}-${request?.spanContext().spanId}-01$`));
  const started = events.find((e) => e.type === 'PublishingStarted');
  t.equal(started?.metadata.causation_id, events[0]?.id, 'the claim names the Kafka event it reacted to');
  t.equal(started?.metadata.correlation_id, 'observability-flow');
});

/** No label may carry an unbounded value. */
function boundedLabels(t: Test, scrape: Scrape): void {
  const labels = scrape.labelNames();
  for (const name of ['position', 'id', 'record_id', 'event_id', 'url', 'account_id']) {
    t.notOk(labels.has(name), `no ${name} label`);
  }
}

t.test('every service serves its series after real traffic', async (t) => {
  // A stale If-Match (412) and a read that waits for its own write (min_position).
  const stale = await fetch(`${stack.commandUrl}${API}/publishing-records/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${editorToken}`, 'content-type': 'application/json', 'if-match': '"0"' },
    body: JSON.stringify({ metadata: { a: 1 } }),
  });
  t.equal(stale.status, 412, 'stale If-Match');
  const get = (path: string) =>
    fetch(`${stack.readUrl}${API}/${path}`, { headers: { authorization: `Bearer ${editorToken}` } });
  for (let i = 0; i < 2; i++) t.equal((await get(`publishing-records/${id}?min_position=${position}`)).status, 200);
  // A list page is cached from its second miss on: miss, miss, hit.
  for (let i = 0; i < 3; i++) {
    const res = await get('publishing-records/?site_id=3');
    t.equal(res.status, 200, `list read answered ${res.status}: ${await res.text()}`);
  }

  const command = await scrapeMetrics(`${stack.commandUrl}/metrics`);
  const http = 'publisher_command_api_http_request_duration_seconds';
  t.equal(command.family(http)?.type, 'HISTOGRAM');
  t.ok(
    command.histogramCount(http, { route: '/api/v1/publisher/publishing-records/:id/start', status_class: '2xx' }) >= 1,
  );
  t.ok(command.samples(`${http}_bucket`).length > 10, 'buckets');
  t.ok(
    command.histogramCount('publisher_command_api_append_duration_seconds', { outcome: 'ok' }) >= 3,
    'appends timed',
  );
  t.equal(command.value('publisher_command_api_http_client_errors_total', { status: '412' }), 1, '412 counted');
  t.ok(command.family('publisher_command_api_concurrency_conflicts_total'), 'conflicts counted');
  t.ok(command.value('publisher_command_api_process_resident_memory_bytes')! > 0, 'process metrics');
  t.ok(command.family('publisher_command_api_nodejs_eventloop_lag_seconds'), 'event-loop metrics');
  t.ok(command.family('publisher_command_api_stuck_sweeps_total'), 'the sweeper’s series');
  boundedLabels(t, command);

  const read = await scrapeMetrics(`${stack.readUrl}/metrics`);
  t.ok(read.histogramCount('publisher_read_api_min_position_wait_seconds', { outcome: 'reached' }) >= 2);
  t.ok(read.value('publisher_read_api_response_cache_hits_total')! >= 1, 'cache hits counted');
  t.ok(read.value('publisher_read_api_response_cache_misses_total')! >= 2, 'cache misses counted');
  t.ok(read.histogramCount('publisher_read_api_http_request_duration_seconds') >= 2);
  boundedLabels(t, read);

  const projector = await scrapeMetrics(stack.projectorMetricsUrl!);
  t.ok(projector.value('publisher_projector_events_processed_total')! >= 3, 'created, started, succeeded');
  t.ok(projector.histogramCount('publisher_projector_batch_duration_seconds') >= 1);
  t.ok(projector.histogramCount('publisher_projector_batch_size') >= 1);
  t.ok(projector.value('publisher_projector_lag_events')! >= 0);
  t.ok(projector.value('publisher_projector_lag_seconds')! >= 0);
  boundedLabels(t, projector);

  // The worker's succeed is appended before the relay sends it: its count catches up shortly after.
  let relay = await scrapeMetrics(stack.relayMetricsUrl!);
  for (let deadline = Date.now() + 10_000; (relay.value('publisher_relay_events_total') ?? 0) < 3; ) {
    if (Date.now() > deadline) break;
    await sleep(50);
    relay = await scrapeMetrics(stack.relayMetricsUrl!);
  }
  t.ok(relay.value('publisher_relay_events_total')! >= 3, 'created, started, succeeded');
  t.equal(relay.value('publisher_relay_broker_up'), 1, 'broker up');
  t.ok(relay.histogramCount('publisher_relay_send_duration_seconds') >= 1);
  t.ok(relay.value('publisher_relay_lag_seconds')! >= 0);
  boundedLabels(t, relay);

  const workerScrape = await scrapeMetrics(`http://127.0.0.1:${worker.metricsPort}/metrics`);
  t.equal(workerScrape.value('publisher_worker_deliveries_total', { destination: 'webhook', outcome: 'published' }), 1);
  t.equal(workerScrape.histogramCount('publisher_worker_delivery_duration_seconds', { destination: 'webhook' }), 1);
  t.equal(workerScrape.value('publisher_worker_dead_letters_total', { reason: 'undecodable' }), 0, 'no dead letter');
  t.equal(workerScrape.value('publisher_worker_consumer_up'), 1, 'consumer up');
  boundedLabels(t, workerScrape);
});
