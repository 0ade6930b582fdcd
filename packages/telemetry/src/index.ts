export { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from './config.ts';
export { fastifyTelemetry, requestTraceparent } from './fastify-telemetry.ts';
export { SECONDS_BUCKETS, ServiceMetrics, type ServiceName, SIZE_BUCKETS } from './metrics.ts';
export {
  type StatusHealth,
  type StatusReply,
  type StatusRoutes,
  type StatusServers,
  serveMetrics,
  serveStatus,
} from './metrics-server.ts';
export { runService, runTool } from './run-service.ts';
export { contextFrom, injectTraceparent, inSpan, linkTo, recordsSpans, SpanKind, startTracing } from './tracing.ts';
