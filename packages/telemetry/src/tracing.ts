import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { errorMessage } from '@publisher/coordination';
import { PropagatingTracerProvider } from './propagating-tracer.ts';

export { SpanKind };

const TRACER = '@publisher/telemetry';

// The process's tracer, looked up once per `startTracing` rather than through the global API's
// provider lookup on every span.
let tracer: Tracer = trace.getTracer(TRACER);
let asyncContext = false;
let recording = false;

export interface TracingOptions {
  /** `service.name` of the spans, e.g. `publisher-command-api`. */
  service: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans are exported (OTLP/HTTP) only when it is set. */
  endpoint?: string | null;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /**
   * Install the AsyncLocalStorage context manager (default true), so spans started inside another's
   * callback become its children without passing contexts. On Node 20 it costs every promise a hook:
   * the APIs, the relay and the projector pass their contexts explicitly (request span, event
   * metadata) and turn it off; the worker, whose command calls run deep inside its handling, keeps it.
   */
  asyncContext?: boolean;
}

export interface Tracing {
  /** Flushes and stops exporting; the process's spans become no-ops afterwards. */
  shutdown(): Promise<void>;
}

/**
 * Installs the process-wide tracer provider, the AsyncLocalStorage context manager (unless
 * `asyncContext: false`) and the W3C trace-context propagator. With an OTLP endpoint (or span
 * processors) spans are recorded by the SDK and exported; without, they are `PropagatingTracer`'s
 * non-recording spans, which still carry real ids, so `traceparent` reaches event metadata, Kafka
 * headers and log lines either way. Call it once per process, before serving.
 * @example
 * const tracing = startTracing({ service: 'publisher-relay', endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
 * // on shutdown
 * await tracing.shutdown();
 */
export function startTracing(options: TracingOptions): Tracing {
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (options.endpoint) {
    const url = `${options.endpoint.replace(/\/$/, '')}/v1/traces`;
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  // Nothing would receive a recorded span: propagate the trace without recording it.
  const provider =
    spanProcessors.length > 0
      ? new TracerProvider({
          resource: resourceFromAttributes({ 'service.name': options.service }),
          // An incoming traceparent's sampled flag decides; a new trace is always sampled.
          sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
          spanProcessors,
        })
      : new PropagatingTracerProvider();
  asyncContext = options.asyncContext ?? true;
  recording = provider instanceof TracerProvider;
  if (asyncContext) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer(TRACER);
  return {
    async shutdown() {
      if (provider instanceof TracerProvider) await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      asyncContext = false;
      recording = false;
      tracer = trace.getTracer(TRACER);
    },
  };
}

/**
 * Whether spans started in a callback see the active span without being passed a context (the
 * AsyncLocalStorage context manager is installed); without it, making a span active is a no-op.
 */
export function hasAsyncContext(): boolean {
  return asyncContext;
}

/**
 * Whether spans are recorded (and so exported). When not, a span is worth starting only where its
 * ids travel on (a request's `traceparent` into events, a worker's into its HTTP calls).
 */
export function recordsSpans(): boolean {
  return recording;
}

/**
 * The W3C `traceparent` of a context (the active one by default); undefined when tracing is off.
 * @example
 * const metadata = { …, traceparent: traceparentOf() };
 */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  if (!trace.getSpanContext(ctx)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/**
 * The context a `traceparent` (and `tracestate`) continue; the root context for a missing or
 * malformed one, so a bad header starts a new trace rather than failing the request.
 * @example
 * const parent = contextFrom(message.headers);
 */
export function contextFrom(carrier: Record<string, unknown>): Context {
  // Most requests carry no trace: skip the propagator (and its getter calls) for them.
  if (carrier.traceparent === undefined) return context.active();
  return propagation.extract(context.active(), carrier, HEADER_GETTER);
}

const HEADER_GETTER: TextMapGetter<Record<string, unknown>> = {
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('latin1');
    return undefined;
  },
  keys: (carrier) => Object.keys(carrier),
};

/** Adds the active context's `traceparent` to outgoing headers (an HTTP call, a Kafka record). */
export function injectTraceparent(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}

/** A link to the span a `traceparent` names (a relay batch links the events it sends). */
export function linkTo(traceparent: string | undefined): Link | null {
  if (!traceparent) return null;
  const spanContext = trace.getSpanContext(contextFrom({ traceparent }));
  return spanContext ? { context: spanContext } : null;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; the active one by default. */
  parent?: Context;
  links?: Link[];
}

/**
 * Runs `work` inside a new active span, ending it when `work` settles; a thrown error marks the
 * span failed and is rethrown unchanged.
 * @example
 * await inSpan('relay send', { kind: SpanKind.PRODUCER }, () => producer.send(batch));
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** A started (not active) span, for work that begins and ends in different callbacks. */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  return tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    options.parent ?? context.active(),
  );
}
