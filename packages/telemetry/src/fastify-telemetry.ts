import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  FastifyPluginAsync,
  FastifyRequest,
  RawRequestDefaultExpression,
  RawServerBase,
  RouteGenericInterface,
} from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceMetrics } from './metrics.ts';
import type { HistogramSeries } from './series-histogram.ts';
import { contextFrom, hasAsyncContext, recordsSpans, startSpan, traceparentOf } from './tracing.ts';

export interface FastifyTelemetryOptions {
  /** The service's registry; null turns HTTP metrics (and `/metrics`) off. */
  metrics: ServiceMetrics | null;
  /** Serve `GET /metrics` on this app (no token). False when METRICS_PORT moves it elsewhere. */
  serveMetrics: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request's server span: started with the request when spans are recorded or a
     * `traceparent` came in, else on first use by `requestTraceparent` (null until then, and when
     * nothing asked).
     */
    telemetrySpan: Span | null;
    /** The route's series and names, looked up once per request (internal to this plugin). */
    telemetryRoute: RouteTelemetry | null;
  }
}

const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

/** A route pattern's label and, per method, its duration series by status class (`1xx` … `5xx`). */
interface RouteTelemetry {
  /** The route *pattern* (`/publishing-records/:id`), never the URL: ids must not become labels. */
  route: string;
  byMethod: Map<string, Array<HistogramSeries | undefined>>;
}

/** `2xx`, `4xx`, …: the status class, so the label has five values whatever the API answers. */
function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * Per-request telemetry for a Publisher API:
 * - a server span per request, continuing an incoming W3C `traceparent`, active while the route
 *   handler runs (so appends and the `traceparent` stored in event metadata descend from it);
 *   when spans are not recorded (no exporter) and no `traceparent` came in, the span is made only
 *   if `requestTraceparent` asks for it: a read that stores no event and logs no trace needs none;
 * - `http_request_duration_seconds{method,route,status_class}` and
 *   `http_client_errors_total{route,status}` (409, 412, 422, 429, …: statuses are a closed set);
 * - `correlation_id` (from `X-Correlation-Id`) and `trace_id` on the request's log lines;
 * - `GET /metrics` in Prometheus text when `serveMetrics`.
 * @example
 * await app.register(fastifyTelemetry, { metrics: new ServiceMetrics('read_api'), serveMetrics: true });
 */
const fastifyTelemetryPlugin: FastifyPluginAsync<FastifyTelemetryOptions> = async (fastify, opts) => {
  const { metrics } = opts;
  const duration = metrics?.seriesHistogram(
    'http_request_duration_seconds',
    'HTTP request duration by route pattern.',
    ['method', 'route', 'status_class'],
  );
  const clientErrors = metrics?.counter('http_client_errors_total', 'HTTP 4xx answers by route pattern and status.', [
    'route',
    'status',
  ]);
  // Route patterns are a closed set (the app's routes and `unmatched`), so is this map.
  const routes = new Map<string, RouteTelemetry>();
  const routeTelemetry = (request: FastifyRequest): RouteTelemetry => {
    // `routeOptions` is a getter that builds an object: read once per request.
    const route = request.routeOptions.url ?? 'unmatched';
    let found = routes.get(route);
    if (found === undefined) {
      found = { route, byMethod: new Map() };
      routes.set(route, found);
    }
    return found;
  };
  /** The duration series of a route, method and status class: made once, then kept. */
  const durationSeries = (telemetry: RouteTelemetry, method: string, status: number): HistogramSeries | undefined => {
    if (!duration) return undefined;
    let byClass = telemetry.byMethod.get(method);
    if (byClass === undefined) {
      byClass = [];
      telemetry.byMethod.set(method, byClass);
    }
    const cls = Math.floor(status / 100);
    byClass[cls] ??= duration.series({ method, route: telemetry.route, status_class: statusClass(status) });
    return byClass[cls];
  };

  fastify.decorateRequest('telemetrySpan', null);
  fastify.decorateRequest('telemetryRoute', null);

  fastify.addHook('onRequest', (request, _reply, done) => {
    request.telemetryRoute = routeTelemetry(request);
    const traced = request.headers.traceparent !== undefined;
    // A child logger costs every request that gets one: only requests that name a workflow or a
    // trace get one.
    const correlation = request.headers['x-correlation-id'];
    const bindings: Record<string, string> = {};
    if (typeof correlation === 'string' && HEADER_VALUE.test(correlation)) bindings.correlation_id = correlation;
    if (traced || recordsSpans()) {
      const span = serverSpan(request);
      if (traced && trace.isSpanContextValid(span.spanContext())) bindings.trace_id = span.spanContext().traceId;
    }
    if (bindings.correlation_id !== undefined || bindings.trace_id !== undefined)
      request.log = request.log.child(bindings);
    done();
  });

  // The body is parsed in the socket's callbacks, outside any context set in onRequest; the handler
  // runs synchronously inside this hook's `done`, so the span is made active here. Without an async
  // context manager nothing could see it: the handlers read `request.telemetrySpan` instead.
  fastify.addHook('preHandler', (request, _reply, done) => {
    if (!hasAsyncContext()) return done();
    context.with(trace.setSpan(context.active(), serverSpan(request)), done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const telemetry = request.telemetryRoute ?? routeTelemetry(request);
    durationSeries(telemetry, request.method, status)?.observe(reply.elapsedTime / 1000);
    if (status >= 400 && status < 500) clientErrors?.inc({ route: telemetry.route, status: String(status) });
    const span = request.telemetrySpan;
    if (span?.isRecording()) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span?.end();
    done();
  });

  if (metrics && opts.serveMetrics) {
    fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
  }
};

export const fastifyTelemetry = fp(fastifyTelemetryPlugin, { name: '@publisher/telemetry', fastify: '5.x' });

/** A request of any route and server (a proxy's hooks see one typed for HTTP/2 as well). */
type AnyRequest = FastifyRequest<RouteGenericInterface, RawServerBase, RawRequestDefaultExpression<RawServerBase>>;

/**
 * The request's server span, started on first use: continuing the request's `traceparent`, named
 * by its route pattern.
 */
function serverSpan(request: AnyRequest): Span {
  if (request.telemetrySpan) return request.telemetrySpan;
  const route = request.telemetryRoute?.route ?? request.routeOptions.url ?? 'unmatched';
  request.telemetrySpan = startSpan(`${request.method} ${route}`, {
    kind: SpanKind.SERVER,
    parent: contextFrom(request.headers),
    attributes: { 'http.request.method': request.method, 'http.route': route, 'publisher.request_id': request.id },
  });
  return request.telemetrySpan;
}

/**
 * The `traceparent` of a request's server span (undefined when tracing is off): what a command's
 * events keep in their metadata, without relying on an async context.
 * @example
 * const metadata = { …, traceparent: requestTraceparent(request) };
 */
export function requestTraceparent(request: AnyRequest): string | undefined {
  return traceparentOf(trace.setSpan(ROOT_CONTEXT, serverSpan(request)));
}
