import {
  ConfigError,
  DEFAULT_COMMAND_API_PORT,
  DEFAULT_READ_API_PORT,
  integerFromEnv,
  type LogLevel,
  loadPlatformConfig,
} from '@publisher/platform';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';

export const DEFAULT_SUPPORT_CONSOLE_PORT = 3005;

export interface SupportConsoleConfig {
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED (`@publisher/telemetry`). */
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
}

/** Satisfies the platform's JWT checks; the console signs and verifies nothing with it. */
const UNUSED_JWT_SECRET = 'unused-by-the-support-console-which-verifies-no-token';

/**
 * The console's settings.
 *
 * | variable | default |
 * |---|---|
 * | SUPPORT_CONSOLE_PORT | 3005 |
 * | HOST | 127.0.0.1 |
 * | COMMAND_API_URL | `http://127.0.0.1:<COMMAND_API_PORT or 3000>` |
 * | READ_API_URL | `http://127.0.0.1:<READ_API_PORT or 3001>` |
 * | LOG_LEVEL, BODY_LIMIT_BYTES, SHUTDOWN_GRACE_MS | platform defaults |
 * | NODE_ENV, JWT_SECRET, JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE | decide whether development sign-in exists |
 *
 * The console verifies no token and holds no secret of its own: JWT_SECRET is only looked at to
 * know whether the development secret is the one the APIs use.
 * @example
 * const config = loadSupportConsoleConfig(process.env);
 */
export function loadSupportConsoleConfig(env: NodeJS.ProcessEnv = process.env): SupportConsoleConfig {
  // The platform's loader would insist on JWT_SECRET under NODE_ENV=production (of at least 32
  // bytes, MIN_JWT_SECRET_BYTES); the console needs none, so a placeholder that long stands in.
  const platform = loadPlatformConfig(
    { ...env, JWT_SECRET: env.JWT_SECRET || UNUSED_JWT_SECRET, JWT_PUBLIC_KEY: '', JWT_PUBLIC_KEY_FILE: '' },
    { portVariable: 'SUPPORT_CONSOLE_PORT', defaultPort: DEFAULT_SUPPORT_CONSOLE_PORT },
  );
  const commandPort = integerFromEnv(env, 'COMMAND_API_PORT', DEFAULT_COMMAND_API_PORT, 1, 65535);
  const readPort = integerFromEnv(env, 'READ_API_PORT', DEFAULT_READ_API_PORT, 1, 65535);
  const nodeEnv = env.NODE_ENV ?? 'development';
  return {
    nodeEnv,
    host: platform.host,
    port: platform.port,
    logLevel: platform.logLevel,
    bodyLimit: platform.bodyLimit,
    shutdownGraceMs: platform.shutdownGraceMs,
    commandApiUrl: originFromEnv(env, 'COMMAND_API_URL', `http://127.0.0.1:${commandPort}`),
    readApiUrl: originFromEnv(env, 'READ_API_URL', `http://127.0.0.1:${readPort}`),
    telemetry: loadTelemetryConfig(env),
    devSignIn: nodeEnv !== 'production' && !env.JWT_SECRET && !env.JWT_PUBLIC_KEY && !env.JWT_PUBLIC_KEY_FILE,
  };
}

function originFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL; got ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL; got ${raw}`);
  }
  return url.origin;
}
