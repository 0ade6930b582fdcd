import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';
import { type ResolveJwtSecretOptions, resolveJwtSecret } from './jwt-secret.ts';

export const DEFAULT_COMMAND_API_PORT = 3000;
export const DEFAULT_READ_API_PORT = 3001;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a token must say beyond its signature; the same rules for verifying and for minting. */
export interface JwtPolicy {
  /** Required `iss` (JWT_ISSUER); null: not checked. */
  issuer: string | null;
  /** Required `aud` (JWT_AUDIENCE; a token may list several); null: not checked. */
  audience: string | null;
  /** Longest accepted token lifetime (JWT_MAX_TTL_SECONDS): `exp` at most this far after `iat` and after now. */
  maxTokenTtlSeconds: number;
}

/** Default JWT_MAX_TTL_SECONDS: a working day; `pnpm token` mints tokens of this length by default. */
export const DEFAULT_MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export interface JwtConfig extends Partial<JwtPolicy> {
  /** HS256 secret; null when only RS256 is accepted. */
  secret: string | null;
  /** True when `secret` is the development secret (services warn at start). */
  developmentSecret: boolean;
  /** PEM-encoded RSA public key for RS256 tokens; null when not configured. */
  publicKey: string | null;
}

export interface PlatformConfig {
  nodeEnv: string;
  host: string;
  port: number;
  /** null: the caller decides (e.g. `pnpm start` starts an embedded PostgreSQL). */
  databaseUrl: string | null;
  logLevel: LogLevel;
  /** Largest accepted request body, in bytes (→ 413 above). */
  bodyLimit: number;
  /** `shared` (default true): one budget per account across the API processes on the database (RATE_LIMIT_SHARED). */
  rateLimit: { max: number; timeWindowMs: number; shared?: boolean };
  /** How long in-flight requests may take to finish on SIGTERM before the process exits anyway. */
  shutdownGraceMs: number;
  jwt: JwtConfig;
  /** Bounds of every PostgreSQL call the API makes (`loadDatabaseTimeouts`). */
  database: DatabaseTimeouts;
}

/**
 * How long an API waits on PostgreSQL before answering 503: a dead or hung database (or network)
 * must cost a request a bounded time, not a connection held forever.
 */
export interface DatabaseTimeouts {
  /** Waiting for a connection, new or from the pool (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Server side: PostgreSQL cancels a statement running longer (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
  /**
   * Client side: a query with no answer after this long fails and its connection is discarded
   * (DATABASE_QUERY_TIMEOUT_MS). It catches what `statement_timeout` cannot: a server or network
   * that stopped answering. Default: the statement timeout plus one second, so PostgreSQL normally
   * cancels first and the connection survives.
   */
  queryTimeoutMs: number;
}

export interface LoadConfigOptions {
  /** Env variable naming this service's port, e.g. `COMMAND_API_PORT`. */
  portVariable: string;
  defaultPort: number;
}

/**
 * Reads the platform settings from the environment and fails fast (ConfigError) on a bad value.
 *
 * | variable | default |
 * |---|---|
 * | `<portVariable>` (COMMAND_API_PORT, READ_API_PORT) | 3000 / 3001 |
 * | HOST | 127.0.0.1 |
 * | DATABASE_URL | none |
 * | LOG_LEVEL | info |
 * | BODY_LIMIT_BYTES | 65536 |
 * | RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS | 1200 per 60000 ms, per account |
 * | RATE_LIMIT_SHARED | true: the budget is shared by all API processes (leased from PostgreSQL) |
 * | SHUTDOWN_GRACE_MS | 10000 |
 * | DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_QUERY_TIMEOUT_MS | 3000, 5000, 6000 |
 * | JWT_SECRET, JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE | development secret (loopback HOST only); none |
 * | JWT_ALLOW_DEVELOPMENT_SECRET | false |
 * | JWT_ISSUER, JWT_AUDIENCE | not checked |
 * | JWT_MAX_TTL_SECONDS | 86400 |
 *
 * @example
 * const config = loadPlatformConfig(process.env, { portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
 */
export function loadPlatformConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions): PlatformConfig {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${env.LOG_LEVEL}`);
  }
  const host = env.HOST || '127.0.0.1';
  return {
    nodeEnv: env.NODE_ENV ?? 'development',
    host,
    port: integerFromEnv(env, options.portVariable, options.defaultPort, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    logLevel: logLevel as LogLevel,
    bodyLimit: integerFromEnv(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 100 * 1024 * 1024),
    rateLimit: {
      max: integerFromEnv(env, 'RATE_LIMIT_MAX', 1200, 1, Number.MAX_SAFE_INTEGER),
      timeWindowMs: integerFromEnv(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1, 24 * 3600_000),
      shared: booleanFromEnv(env, 'RATE_LIMIT_SHARED', true),
    },
    shutdownGraceMs: integerFromEnv(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    jwt: loadJwtConfig(env, { listenHost: host }),
    database: loadDatabaseTimeouts(env),
  };
}

/**
 * DATABASE_CONNECT_TIMEOUT_MS (default 3000), DATABASE_STATEMENT_TIMEOUT_MS (5000) and
 * DATABASE_QUERY_TIMEOUT_MS (statement timeout + 1000).
 * @example
 * const pool = new pg.Pool({ connectionString, ...pgPoolTimeouts(loadDatabaseTimeouts(process.env)) });
 */
export function loadDatabaseTimeouts(env: NodeJS.ProcessEnv): DatabaseTimeouts {
  const statementTimeoutMs = integerFromEnv(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 3_600_000);
  return {
    connectTimeoutMs: integerFromEnv(env, 'DATABASE_CONNECT_TIMEOUT_MS', 3000, 100, 600_000),
    statementTimeoutMs,
    queryTimeoutMs: integerFromEnv(env, 'DATABASE_QUERY_TIMEOUT_MS', statementTimeoutMs + 1000, 100, 3_600_000),
  };
}

/**
 * The node-postgres pool options for these bounds, plus `idle_in_transaction_session_timeout`
 * (10 s): a transaction left open holds back what every event-store subscriber can read.
 * @example
 * new pg.Pool({ connectionString, max: 20, ...pgPoolTimeouts(config.database) })
 */
export function pgPoolTimeouts(timeouts: DatabaseTimeouts): {
  connectionTimeoutMillis: number;
  statement_timeout: number;
  query_timeout: number;
  idle_in_transaction_session_timeout: number;
} {
  return {
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    idle_in_transaction_session_timeout: 10_000,
  };
}

/**
 * HS256 from JWT_SECRET (the rules of `resolveJwtSecret`: at least 32 bytes; the development secret
 * only when unset, never with NODE_ENV=production, and with `listenHost` only on loopback unless
 * JWT_ALLOW_DEVELOPMENT_SECRET=true); RS256 when JWT_PUBLIC_KEY (PEM, `\n` escapes allowed) or
 * JWT_PUBLIC_KEY_FILE is set. With a public key, HS256 stays enabled only if JWT_SECRET is set
 * explicitly. Plus the policy every token must meet (`loadJwtPolicy`).
 * @example
 * const jwt = loadJwtConfig(process.env, { listenHost: '127.0.0.1' });
 */
export function loadJwtConfig(env: NodeJS.ProcessEnv, options: ResolveJwtSecretOptions = {}): JwtConfig {
  const policy = loadJwtPolicy(env);
  const publicKey = readPublicKey(env);
  if (publicKey && !env.JWT_SECRET) return { secret: null, developmentSecret: false, publicKey, ...policy };
  const { secret, development } = resolveJwtSecret(env, options);
  return { secret, developmentSecret: development, publicKey, ...policy };
}

/**
 * JWT_ISSUER, JWT_AUDIENCE (checked when set) and JWT_MAX_TTL_SECONDS (default 86400, 60 s to 30
 * days): read by the services that verify tokens and by everything that mints them, so a minted
 * token always passes the verifier's checks.
 * @example
 * const { issuer, audience, maxTokenTtlSeconds } = loadJwtPolicy(process.env);
 */
export function loadJwtPolicy(env: NodeJS.ProcessEnv): JwtPolicy {
  return {
    issuer: env.JWT_ISSUER || null,
    audience: env.JWT_AUDIENCE || null,
    maxTokenTtlSeconds: integerFromEnv(env, 'JWT_MAX_TTL_SECONDS', DEFAULT_MAX_TOKEN_TTL_SECONDS, 60, 30 * 24 * 3600),
  };
}

function readPublicKey(env: NodeJS.ProcessEnv): string | null {
  let pem: string | null = null;
  if (env.JWT_PUBLIC_KEY) pem = env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n');
  else if (env.JWT_PUBLIC_KEY_FILE) {
    try {
      pem = readFileSync(env.JWT_PUBLIC_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`JWT_PUBLIC_KEY_FILE cannot be read: ${(err as Error).message}`);
    }
  }
  if (pem === null) return null;
  let type: string | undefined;
  try {
    type = createPublicKey(pem).asymmetricKeyType;
  } catch (err) {
    throw new ConfigError(`JWT public key is not a valid PEM public key: ${(err as Error).message}`);
  }
  if (type !== 'rsa') throw new ConfigError(`JWT public key must be an RSA key (RS256); got ${type}`);
  return pem;
}

/**
 * A `true`/`false` variable, or `fallback` when unset; anything else is a ConfigError.
 * @example
 * const shared = booleanFromEnv(process.env, 'RATE_LIMIT_SHARED', true);
 */
export function booleanFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false; got ${raw}`);
  return raw === 'true';
}

/**
 * An integer variable within [min, max], or `fallback` when unset; anything else is a ConfigError.
 * @example
 * const poolSize = integerFromEnv(process.env, 'DATABASE_POOL_SIZE', 20, 1, 500);
 */
export function integerFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  /** Builds the error to throw, so a service can keep its own error code; a ConfigError by default. */
  fail: (message: string) => Error = (message) => new ConfigError(message),
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fail(`${name} must be an integer between ${min} and ${max}; got ${raw}`);
  }
  return value;
}
