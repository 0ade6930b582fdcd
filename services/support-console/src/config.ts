import {
  apiUrl,
  COMMAND_API_LOCATION_VARIABLES,
  envVar,
  JWT_POLICY_VARIABLES,
  type JwtPolicy,
  type LogLevel,
  loadJwtPolicy,
  PLATFORM_VARIABLES,
  READ_API_LOCATION_VARIABLES,
  readEnv,
} from '@publisher/platform';
import { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from '@publisher/telemetry';

const DEFAULT_SUPPORT_CONSOLE_PORT = 3005;

export interface SupportConsoleConfig {
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT (`@publisher/telemetry`). */
  telemetry: TelemetryConfig;
  nodeEnv: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  bodyLimit: number;
  shutdownGraceMs: number;
  /** Origin of the command API the console forwards re-drives to. */
  commandApiUrl: string;
  /** Origin of the read API the console forwards reads to. */
  readApiUrl: string;
  /**
   * The development sign-in form (account, role → a token signed with the development secret).
   * Only when the APIs themselves accept that secret: no JWT_SECRET, no JWT public key, and
   * NODE_ENV is not `production`. Otherwise the route does not exist.
   */
  devSignIn: boolean;
  /** JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_TTL_SECONDS: what the APIs require of a token, so development tokens carry it. */
  jwtPolicy: JwtPolicy;
}

/**
 * The console's variables (README "Configuration" has their meaning). The console verifies no token
 * and holds no secret of its own: the JWT variables only tell it whether the APIs use the
 * development secret (then, outside production, it offers development sign-in).
 */
export const SUPPORT_CONSOLE_VARIABLES = {
  SUPPORT_CONSOLE_PORT: envVar.integer(DEFAULT_SUPPORT_CONSOLE_PORT, 0, 65535),
  NODE_ENV: PLATFORM_VARIABLES.NODE_ENV,
  HOST: PLATFORM_VARIABLES.HOST,
  LOG_LEVEL: PLATFORM_VARIABLES.LOG_LEVEL,
  BODY_LIMIT_BYTES: PLATFORM_VARIABLES.BODY_LIMIT_BYTES,
  SHUTDOWN_GRACE_MS: PLATFORM_VARIABLES.SHUTDOWN_GRACE_MS,
  ...COMMAND_API_LOCATION_VARIABLES,
  ...READ_API_LOCATION_VARIABLES,
  JWT_SECRET: PLATFORM_VARIABLES.JWT_SECRET,
  JWT_PUBLIC_KEY: PLATFORM_VARIABLES.JWT_PUBLIC_KEY,
  JWT_PUBLIC_KEY_FILE: PLATFORM_VARIABLES.JWT_PUBLIC_KEY_FILE,
  ...JWT_POLICY_VARIABLES,
  ...TELEMETRY_VARIABLES,
};

/**
 * The console's settings from `SUPPORT_CONSOLE_VARIABLES`; a bad value is a ConfigError.
 * @example
 * const config = loadSupportConsoleConfig(process.env);
 */
export function loadSupportConsoleConfig(env: NodeJS.ProcessEnv = process.env): SupportConsoleConfig {
  const v = readEnv(SUPPORT_CONSOLE_VARIABLES, env);
  return {
    nodeEnv: v.NODE_ENV,
    host: v.HOST,
    port: v.SUPPORT_CONSOLE_PORT,
    logLevel: v.LOG_LEVEL,
    bodyLimit: v.BODY_LIMIT_BYTES,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    commandApiUrl: new URL(apiUrl(v.COMMAND_API_URL, v.COMMAND_API_PORT)).origin,
    readApiUrl: new URL(apiUrl(v.READ_API_URL, v.READ_API_PORT)).origin,
    telemetry: loadTelemetryConfig(env),
    jwtPolicy: loadJwtPolicy(env),
    devSignIn: v.NODE_ENV !== 'production' && !v.JWT_SECRET && !v.JWT_PUBLIC_KEY && !v.JWT_PUBLIC_KEY_FILE,
  };
}
