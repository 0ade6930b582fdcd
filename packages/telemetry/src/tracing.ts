import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
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

export { SpanKind };

const TRACER = '@publisher/telemetry';

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
 * Installs the process-wide tracer provider, the AsyncLocalStorage context manager and the W3C
 * trace-context propagator. Spans are recorded whenever tracing is on (so `traceparent` reaches
 * event metadata and Kafka headers), but leave the process only when an OTLP endpoint is set.
 * Call it once per process, before serving.
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
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    // An incoming traceparent's sampled flag decides; a new trace is always sampled.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors,
  });
  if (options.asyncContext ?? true) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
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
  return propagation.extract(context.active(), carrier, {
    get: (c, key) => {
      const value = (c as Record<string, unknown>)[key];
      if (typeof value === 'string') return value;
      if (Buffer.isBuffer(value)) return value.toString('latin1');
      return undefined;
    },
    keys: (c) => Object.keys(c as object),
  });
}

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
  const tracer = trace.getTracer(TRACER);
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
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** A started (not active) span, for work that begins and ends in different callbacks. */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  return trace
    .getTracer(TRACER)
    .startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
      options.parent ?? context.active(),
    );
}
