export { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from './config.ts';
export { type FastifyTelemetryOptions, fastifyTelemetry, requestTraceparent } from './fastify-telemetry.ts';
export { SECONDS_BUCKETS, ServiceMetrics, type ServiceName, SIZE_BUCKETS } from './metrics.ts';
export { listen, type MetricsServer, type StatusHealth, serveMetrics, serveStatus } from './metrics-server.ts';
export {
  contextFrom,
  injectTraceparent,
  inSpan,
  linkTo,
  recordsSpans,
  SpanKind,
  type SpanOptions,
  startSpan,
  startTracing,
  type Tracing,
  type TracingOptions,
  traceparentOf,
} from './tracing.ts';
