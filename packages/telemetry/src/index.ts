export { type FastifyTelemetryOptions, fastifyTelemetry } from './fastify-telemetry.ts';
export { SECONDS_BUCKETS, type ServiceName, ServiceMetrics, SIZE_BUCKETS } from './metrics.ts';
export { type MetricsServer, serveMetrics } from './metrics-server.ts';
export { type TelemetryConfig, loadTelemetryConfig } from './config.ts';
export {
  contextFrom,
  injectTraceparent,
  inSpan,
  linkTo,
  SpanKind,
  type SpanOptions,
  startSpan,
  startTracing,
  type Tracing,
  type TracingOptions,
  traceparentOf,
} from './tracing.ts';
