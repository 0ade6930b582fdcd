import { type EventStore, eventStoreSelectionFromEnv } from '@publisher/event-store';
import { loadStatusAccess } from '@publisher/platform/status-access';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';
import type { Logger } from 'pino';
import { RelayError } from './errors.ts';
import { parseBrokers } from './kafka.ts';

export const DEFAULT_RELAY_PORT = 3003;

/** Everything the relay needs; `loadRelayConfig` builds it from the environment. */
export interface RelayConfig {
  /** PostgreSQL URL of the relay's checkpoint table (and of the event store when `eventStore` is 'postgres'). */
  databaseUrl: string;
  brokers: string[];
  /** Which adapter to open, or an already open store (tests, embedding); an injected store is not closed. */
  eventStore: 'postgres' | 'esdb' | EventStore;
  /** EventStoreDB connection string when `eventStore` is 'esdb'. */
  eventStoreUrl: string | null;
  /** Checkpoint row and lock name; two relays with different names relay independently. */
  name: string;
  /** Events per store read (one checkpoint write each). */
  batchSize: number;
  /**
   * Upper bound of one Kafka request's payload: a store batch is cut into requests below it. Keep it
   * under the broker's `message.max.bytes` (1 MiB by default), which a record batch may not exceed.
   */
  maxRequestBytes: number;
  topicPartitions: number;
  /**
   * Prepended to every topic name (e.g. `staging.`), for clusters shared by several environments and
   * for tests; consumers must use the same prefix. Default: none.
   */
  topicPrefix: string;
  /** -1: the broker's default. */
  replicationFactor: number;
  clientId: string;
  /**
   * Encode Kafka records with the relay's byte-identical encoder instead of kafkajs' own (about half
   * of the relay's CPU; see src/record-encoder.ts). `false` keeps kafkajs' encoder (a kill switch).
   */
  fastRecordEncoder: boolean;
  /** Upper bound of the back-off between attempts while Kafka or PostgreSQL is unavailable. */
  maxBackoffMs: number;
  /** How often a standby relay tries to take the lock of the active one. */
  lockRetryMs: number;
  /**
   * Bounds of every PostgreSQL call (checkpoint pool, lock session, event-store pool): a query
   * without an answer after `queryTimeoutMs` (a hung server or network) fails, its connection is
   * dropped and the relay starts over from its checkpoint instead of waiting forever.
   */
  database: { connectTimeoutMs: number; statementTimeoutMs: number; queryTimeoutMs: number };
  /** Interface of /health and /metrics (STATUS_HOST, default 127.0.0.1; a non-loopback one needs STATUS_TOKEN). */
  host: string;
  /** Bearer token /metrics requires (STATUS_TOKEN); null: none. /health never needs it. */
  statusToken: string | null;
  /** Port of /health and /metrics; null: no HTTP endpoint; 0: any free port. */
  port: number | null;
  logLevel: string;
  logger?: Logger;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

export type RelayOptions = Pick<RelayConfig, 'databaseUrl' | 'brokers'> & Partial<RelayConfig>;

export const relayDefaults: Omit<RelayConfig, 'databaseUrl' | 'brokers'> = {
  eventStore: 'postgres',
  eventStoreUrl: null,
  name: 'kafka-relay',
  batchSize: 2000,
  maxRequestBytes: 900_000,
  topicPartitions: 3,
  topicPrefix: '',
  replicationFactor: -1,
  clientId: 'publisher-kafka-relay',
  fastRecordEncoder: true,
  maxBackoffMs: 10_000,
  lockRetryMs: 2000,
  database: { connectTimeoutMs: 5000, statementTimeoutMs: 30_000, queryTimeoutMs: 35_000 },
  host: '127.0.0.1',
  statusToken: null,
  port: DEFAULT_RELAY_PORT,
  logLevel: 'info',
  telemetry: loadTelemetryConfig({}),
};

/**
 * Reads the relay's configuration from the environment (see README) and fails fast on bad values.
 * @example const config = loadRelayConfig(process.env);
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw invalid('DATABASE_URL is required (the relay keeps its checkpoint in PostgreSQL)');
  const brokers = parseBrokers(env.KAFKA_BROKERS ?? '');
  if (brokers.length === 0) throw invalid('KAFKA_BROKERS is required, e.g. 127.0.0.1:9092');
  const selection = eventStoreSelectionFromEnv(env, invalid);
  const port = env.KAFKA_RELAY_PORT === 'off' ? null : integer(env, 'KAFKA_RELAY_PORT', DEFAULT_RELAY_PORT, 0, 65535);
  let status: ReturnType<typeof loadStatusAccess>;
  try {
    status = loadStatusAccess(env);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  return {
    databaseUrl,
    brokers,
    eventStore: selection.kind,
    eventStoreUrl: selection.esdbUrl,
    name: env.RELAY_NAME || relayDefaults.name,
    batchSize: integer(env, 'RELAY_BATCH_SIZE', relayDefaults.batchSize, 1, 20_000),
    maxRequestBytes: integer(env, 'RELAY_MAX_REQUEST_BYTES', relayDefaults.maxRequestBytes, 10_000, 100_000_000),
    topicPartitions: integer(env, 'KAFKA_TOPIC_PARTITIONS', relayDefaults.topicPartitions, 1, 10_000),
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
    replicationFactor: integer(env, 'KAFKA_TOPIC_REPLICATION_FACTOR', relayDefaults.replicationFactor, -1, 100),
    clientId: env.KAFKA_CLIENT_ID || relayDefaults.clientId,
    fastRecordEncoder: boolean(env, 'RELAY_FAST_RECORD_ENCODER', relayDefaults.fastRecordEncoder),
    maxBackoffMs: integer(env, 'RELAY_MAX_BACKOFF_MS', relayDefaults.maxBackoffMs, 100, 600_000),
    lockRetryMs: integer(env, 'RELAY_LOCK_RETRY_MS', relayDefaults.lockRetryMs, 10, 600_000),
    database: {
      connectTimeoutMs: integer(
        env,
        'DATABASE_CONNECT_TIMEOUT_MS',
        relayDefaults.database.connectTimeoutMs,
        100,
        600_000,
      ),
      statementTimeoutMs: integer(
        env,
        'DATABASE_STATEMENT_TIMEOUT_MS',
        relayDefaults.database.statementTimeoutMs,
        100,
        3_600_000,
      ),
      queryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', relayDefaults.database.queryTimeoutMs, 100, 3_600_000),
    },
    host: status.host,
    statusToken: status.token,
    port,
    logLevel: env.LOG_LEVEL || relayDefaults.logLevel,
    telemetry: loadTelemetryConfig(env),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer between ${min} and ${max}; got ${raw}`);
  }
  return value;
}

/** Booleans are `true` or `false` in every service (DESIGN.md). */
function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalid(`${name} must be true or false; got ${raw}`);
}

function invalid(message: string): RelayError {
  return new RelayError('RELAY_CONFIG_INVALID', message);
}
