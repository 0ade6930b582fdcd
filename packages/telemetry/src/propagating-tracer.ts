import {
  type Context,
  context,
  type Span,
  type SpanContext,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';

const ids = new RandomIdGenerator();

/**
 * The tracer a process gets when tracing is on but no span leaves it (no exporter, no processor):
 * every span is a non-recording span with real ids — a child of its parent's trace, or a new
 * sampled trace — so `traceparent` still reaches event metadata, Kafka headers and log lines, and a
 * downstream service that exports continues the same trace.
 *
 * Why not the SDK's tracer here: a recorded span that no processor receives is thrown away at
 * `end()`, after costing its attributes, clock reads and allocations on every request and append
 * (measure with `BENCH_TELEMETRY=compare pnpm bench:commands` and
 * `BENCH_TELEMETRY=compare pnpm bench:reads`). A sampler cannot do this
 * instead: the SDK's non-recording spans carry the unsampled flag, which would make every
 * exporting service downstream drop the trace.
 * Sampling is the SDK's parent-based, always-on rule: a parent's flags are kept, a root is sampled.
 */
export class PropagatingTracer implements Tracer {
  startSpan(_name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    const spanContext: SpanContext =
      parent && trace.isSpanContextValid(parent)
        ? {
            traceId: parent.traceId,
            spanId: ids.generateSpanId(),
            traceFlags: parent.traceFlags,
            traceState: parent.traceState,
          }
        : { traceId: ids.generateTraceId(), spanId: ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED };
    return trace.wrapSpanContext(spanContext);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as (span: Span) => ReturnType<F>;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }
}

/** A provider whose every tracer is one `PropagatingTracer`. */
export class PropagatingTracerProvider implements TracerProvider {
  readonly #tracer = new PropagatingTracer();

  getTracer(): Tracer {
    return this.#tracer;
  }
}
