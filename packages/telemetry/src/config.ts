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

function configError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ConfigError', code: 'CONFIG_INVALID' });
}

function booleanFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw configError(`${name} must be true or false; got ${raw}`);
  return raw === 'true';
}

/**
 * The telemetry settings every service reads; a bad value is a start-up error naming the variable.
 *
 * | variable | default |
 * |---|---|
 * | METRICS_ENABLED | true |
 * | METRICS_PORT | none (the service's own port) |
 * | TRACING_ENABLED | true |
 * | OTEL_EXPORTER_OTLP_ENDPOINT | none (spans are not exported) |
 * @example
 * const telemetry = loadTelemetryConfig(process.env);
 */
export function loadTelemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig {
  const rawPort = env.METRICS_PORT;
  let metricsPort: number | null = null;
  if (rawPort !== undefined && rawPort !== '') {
    metricsPort = Number(rawPort);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
      throw configError(`METRICS_PORT must be an integer between 0 and 65535; got ${rawPort}`);
    }
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || null;
  if (endpoint !== null && !URL.canParse(endpoint)) {
    throw configError(`OTEL_EXPORTER_OTLP_ENDPOINT must be a URL; got ${endpoint}`);
  }
  return {
    metricsEnabled: booleanFromEnv(env, 'METRICS_ENABLED', true),
    metricsPort,
    tracingEnabled: booleanFromEnv(env, 'TRACING_ENABLED', true),
    otlpEndpoint: endpoint,
  };
}
