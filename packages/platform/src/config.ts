import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errorMessage } from '@publisher/coordination';
import { ConfigError, type EnvSpec, envVar, NODE_ENV_VARIABLE, readEnv } from './env.ts';
import { JWT_SECRET_VARIABLES, type ResolveJwtSecretOptions, resolveJwtSecret } from './jwt-secret.ts';

export const DEFAULT_COMMAND_API_PORT = 3000;
export const DEFAULT_READ_API_PORT = 3001;

const HTTP = ['http:', 'https:'];

/**
 * Where a caller (the worker, the support console, the support CLI) finds an API: its URL, else
 * loopback at its port. Each caller declares the ones it calls and reads them with `apiUrl`.
 */
export const COMMAND_API_LOCATION_VARIABLES = {
  COMMAND_API_URL: envVar.url(null, HTTP),
  COMMAND_API_PORT: envVar.integer(DEFAULT_COMMAND_API_PORT, 1, 65535),
};
export const READ_API_LOCATION_VARIABLES = {
  READ_API_URL: envVar.url(null, HTTP),
  READ_API_PORT: envVar.integer(DEFAULT_READ_API_PORT, 1, 65535),
};

/**
 * An API's base URL from its location variables: the URL when set, else loopback at the port.
 * @example const commandApiUrl = apiUrl(v.COMMAND_API_URL, v.COMMAND_API_PORT);
 */
export function apiUrl(url: string | null, port: number): string {
  return url ?? `http://127.0.0.1:${port}`;
}

/** pino's level names. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** LOG_LEVEL: pino's levels; every service reads it with this declaration. */
export const LOG_LEVEL = envVar.oneOf(LOG_LEVELS, 'info');
export type LogLevel = typeof LOG_LEVEL.fallback;

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

/** JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_TTL_SECONDS: what a token must say (`loadJwtPolicy`). */
export const JWT_POLICY_VARIABLES = {
  JWT_ISSUER: envVar.string(null),
  JWT_AUDIENCE: envVar.string(null),
  JWT_MAX_TTL_SECONDS: envVar.integer(DEFAULT_MAX_TOKEN_TTL_SECONDS, 60, 30 * 24 * 3600),
};

/** The keys tokens are verified with (`loadJwtConfig`, `resolveJwtSecret`). */
const JWT_VARIABLES = {
  ...JWT_SECRET_VARIABLES,
  JWT_PUBLIC_KEY: envVar.string(null),
  JWT_PUBLIC_KEY_FILE: envVar.string(null),
  ...JWT_POLICY_VARIABLES,
};

/** Where the events are; EVENT_STORE is one of event-store's EVENT_STORE_KINDS (its test checks). */
export const EVENT_STORE_VARIABLES = {
  EVENT_STORE: envVar.oneOf(['postgres', 'esdb'], 'postgres'),
  EVENTSTORE_URL: envVar.url(null),
};

/** The store `EVENT_STORE_VARIABLES` name, for `openEventStore`; `esdb` needs EVENTSTORE_URL (else a ConfigError). */
export function loadEventStoreSelection(source: NodeJS.ProcessEnv) {
  const { EVENT_STORE: kind, EVENTSTORE_URL: esdbUrl } = readEnv(EVENT_STORE_VARIABLES, source);
  if (kind === 'postgres') return { kind, esdbUrl };
  if (!esdbUrl) {
    throw new ConfigError(
      'EVENT_STORE=esdb needs EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false)',
      'EVENTSTORE_URL',
    );
  }
  return { kind, esdbUrl };
}

/**
 * DATABASE_URL (declared once, in `PLATFORM_VARIABLES`) where the process cannot run without it:
 * every service but the support console. Optional in the declaration because `pnpm start` runs the
 * APIs with an embedded PostgreSQL it starts itself.
 * @throws ConfigError when it is unset.
 */
export function requireDatabaseUrl(url: string | null): string {
  if (url) return url;
  throw new ConfigError(
    'DATABASE_URL is required: the postgres:// URL of the service’s database (pnpm start provides an embedded PostgreSQL)',
    'DATABASE_URL',
  );
}

/**
 * KAFKA_BROKERS where the process cannot run without a broker (the relay, the worker).
 * @throws ConfigError when it lists none.
 */
export function requireKafkaBrokers(brokers: string[]): string[] {
  if (brokers.length > 0) return brokers;
  throw new ConfigError('KAFKA_BROKERS is required, e.g. 127.0.0.1:9092', 'KAFKA_BROKERS');
}

/**
 * How long a service waits on PostgreSQL (`loadDatabaseTimeouts`); DATABASE_QUERY_TIMEOUT_MS
 * defaults to the statement timeout plus one second, so PostgreSQL normally cancels first and the
 * connection survives. The services that run long batches (projector, relay) declare longer defaults.
 */
export function databaseTimeoutVariables(defaults: DatabaseTimeoutDefaults) {
  return {
    DATABASE_CONNECT_TIMEOUT_MS: envVar.integer(defaults.connectTimeoutMs, 100, 600_000),
    DATABASE_STATEMENT_TIMEOUT_MS: envVar.integer(defaults.statementTimeoutMs, 100, 3_600_000),
    DATABASE_QUERY_TIMEOUT_MS: envVar.integer(defaults.queryTimeoutMs ?? null, 100, 3_600_000),
  };
}

/** A service's own defaults for `databaseTimeoutVariables` (no query timeout: the statement timeout + 1 s). */
export type DatabaseTimeoutDefaults = Pick<DatabaseTimeouts, 'connectTimeoutMs' | 'statementTimeoutMs'> &
  Partial<Pick<DatabaseTimeouts, 'queryTimeoutMs'>>;

/**
 * SHUTDOWN_GRACE_MS: how long a stop (SIGTERM) may take before the process exits anyway; every
 * service reads it with this declaration, each with its own default.
 */
export function shutdownGraceVariable(fallbackMs = 10_000) {
  return envVar.integer(fallbackMs, 0, 600_000);
}

/**
 * The Kafka client id and topic settings of the services that create topics (relay, worker); each
 * service gives its own defaults (the client ids differ).
 */
export function kafkaVariables(defaults: {
  clientId: string;
  topicPrefix: string;
  topicPartitions: number;
  replicationFactor: number;
}) {
  return {
    KAFKA_CLIENT_ID: envVar.string(defaults.clientId),
    KAFKA_TOPIC_PREFIX: envVar.string(defaults.topicPrefix),
    KAFKA_TOPIC_PARTITIONS: envVar.integer(defaults.topicPartitions, 1, 10_000),
    KAFKA_TOPIC_REPLICATION_FACTOR: envVar.integer(defaults.replicationFactor, -1, 100),
  };
}

/** The variables of the HTTP platform every API reads (README "Configuration" has their meaning). */
export const PLATFORM_VARIABLES = {
  NODE_ENV: NODE_ENV_VARIABLE,
  HOST: envVar.string('127.0.0.1'),
  DATABASE_URL: envVar.url(null, ['postgres:', 'postgresql:']),
  LOG_LEVEL,
  BODY_LIMIT_BYTES: envVar.integer(64 * 1024, 1024, 100 * 1024 * 1024),
  RATE_LIMIT_MAX: envVar.integer(1200, 1, Number.MAX_SAFE_INTEGER),
  RATE_LIMIT_WINDOW_MS: envVar.integer(60_000, 1, 24 * 3600_000),
  RATE_LIMIT_SHARED: envVar.boolean(true),
  SHUTDOWN_GRACE_MS: shutdownGraceVariable(),
  ...databaseTimeoutVariables({ connectTimeoutMs: 3000, statementTimeoutMs: 5000 }),
  ...JWT_VARIABLES,
};

/**
 * The platform's variables plus the service's port variable (e.g. COMMAND_API_PORT).
 * @example
 * const declared = platformVariables({ portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
 */
export function platformVariables(options: LoadConfigOptions): EnvSpec {
  return { [options.portVariable]: envVar.integer(options.defaultPort, 0, 65535), ...PLATFORM_VARIABLES };
}

/**
 * Reads the platform settings from the environment (`PLATFORM_VARIABLES` and the port variable)
 * and fails fast (ConfigError) on a bad value.
 * @example
 * const config = loadPlatformConfig(process.env, { portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
 */
export function loadPlatformConfig(source: NodeJS.ProcessEnv, options: LoadConfigOptions): PlatformConfig {
  const v = readEnv(PLATFORM_VARIABLES, source);
  return {
    nodeEnv: v.NODE_ENV,
    host: v.HOST,
    port: readEnv(platformVariables(options), source)[options.portVariable] as number,
    databaseUrl: v.DATABASE_URL,
    logLevel: v.LOG_LEVEL,
    bodyLimit: v.BODY_LIMIT_BYTES,
    rateLimit: { max: v.RATE_LIMIT_MAX, timeWindowMs: v.RATE_LIMIT_WINDOW_MS, shared: v.RATE_LIMIT_SHARED },
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    jwt: loadJwtConfig(source, { listenHost: v.HOST }),
    database: loadDatabaseTimeouts(source),
  };
}

/**
 * DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS and DATABASE_QUERY_TIMEOUT_MS
 * (default: the statement timeout + 1000), with the API defaults (3000, 5000) unless others are given.
 * @example
 * const pool = new pg.Pool({ connectionString, ...pgPoolTimeouts(loadDatabaseTimeouts(process.env)) });
 */
export function loadDatabaseTimeouts(
  source: NodeJS.ProcessEnv,
  defaults: DatabaseTimeoutDefaults = { connectTimeoutMs: 3000, statementTimeoutMs: 5000 },
): DatabaseTimeouts {
  const v = readEnv(databaseTimeoutVariables(defaults), source);
  return {
    connectTimeoutMs: v.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: v.DATABASE_QUERY_TIMEOUT_MS ?? v.DATABASE_STATEMENT_TIMEOUT_MS + 1000,
  };
}

/**
 * How long PostgreSQL lets a session sit idle inside a transaction before ending it: a transaction
 * left open (a paused process) holds back what every event-store subscriber can read.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

/**
 * The node-postgres pool (or client) options for these bounds, plus
 * `idle_in_transaction_session_timeout` (IDLE_IN_TRANSACTION_TIMEOUT_MS).
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
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
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
function loadJwtConfig(source: NodeJS.ProcessEnv, options: ResolveJwtSecretOptions = {}): JwtConfig {
  const policy = loadJwtPolicy(source);
  const v = readEnv(JWT_VARIABLES, source);
  const publicKey = readPublicKey(v.JWT_PUBLIC_KEY, v.JWT_PUBLIC_KEY_FILE);
  if (publicKey && v.JWT_SECRET === null) return { secret: null, developmentSecret: false, publicKey, ...policy };
  const { secret, development } = resolveJwtSecret(source, options);
  return { secret, developmentSecret: development, publicKey, ...policy };
}

/**
 * JWT_ISSUER, JWT_AUDIENCE (checked when set) and JWT_MAX_TTL_SECONDS (default 86400, 60 s to 30
 * days): read by the services that verify tokens and by everything that mints them, so a minted
 * token always passes the verifier's checks.
 * @example
 * const { issuer, audience, maxTokenTtlSeconds } = loadJwtPolicy(process.env);
 */
export function loadJwtPolicy(source: NodeJS.ProcessEnv): JwtPolicy {
  const v = readEnv(JWT_POLICY_VARIABLES, source);
  return { issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE, maxTokenTtlSeconds: v.JWT_MAX_TTL_SECONDS };
}

/** The PEM of JWT_PUBLIC_KEY (`\n` escapes allowed), else of the file JWT_PUBLIC_KEY_FILE names; null: neither. */
function readPublicKey(inline: string | null, file: string | null): string | null {
  let pem: string | null = null;
  if (inline !== null) pem = inline.replace(/\\n/g, '\n');
  else if (file !== null) {
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`JWT_PUBLIC_KEY_FILE cannot be read: ${errorMessage(err)}`, 'JWT_PUBLIC_KEY_FILE');
    }
  }
  if (pem === null) return null;
  const variable = inline !== null ? 'JWT_PUBLIC_KEY' : 'JWT_PUBLIC_KEY_FILE';
  let type: string | undefined;
  try {
    type = createPublicKey(pem).asymmetricKeyType;
  } catch (err) {
    throw new ConfigError(`JWT public key is not a valid PEM public key: ${errorMessage(err)}`, variable);
  }
  if (type !== 'rsa') throw new ConfigError(`JWT public key must be an RSA key (RS256); got ${type}`, variable);
  return pem;
}
