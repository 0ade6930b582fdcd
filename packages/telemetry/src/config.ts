import { envVar, readEnv } from '@publisher/platform/env';

export interface TelemetryConfig {
  /** METRICS_ENABLED (default true): the service's registry and `/metrics`. */
  metricsEnabled: boolean;
  /** METRICS_PORT: serve `/metrics` on this port instead of the service's own; null: its own port. */
  metricsPort: number | null;
  /** TRACING_ENABLED (default true): spans and `traceparent` propagation. */
  tracingEnabled: boolean;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where spans are exported (OTLP/HTTP); null: not exported. */
  otlpEndpoint: string | null;
}

/** The telemetry variables every service reads (METRICS_PORT unset: the service's own port; no endpoint: spans are not exported). */
export const TELEMETRY_VARIABLES = {
  METRICS_ENABLED: envVar.boolean(true),
  METRICS_PORT: envVar.integer(null, 0, 65535),
  TRACING_ENABLED: envVar.boolean(true),
  OTEL_EXPORTER_OTLP_ENDPOINT: envVar.url(null),
};

/**
 * The telemetry settings every service reads; a bad value is a start-up ConfigError naming the variable.
 * @example
 * const telemetry = loadTelemetryConfig(process.env);
 */
export function loadTelemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig {
  const v = readEnv(TELEMETRY_VARIABLES, env);
  return {
    metricsEnabled: v.METRICS_ENABLED,
    metricsPort: v.METRICS_PORT,
    tracingEnabled: v.TRACING_ENABLED,
    otlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
}
