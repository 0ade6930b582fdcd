import type { EventStore, EventStoreSelection } from '@publisher/event-store';
import {
  databaseTimeoutVariables,
  EVENT_STORE_VARIABLES,
  kafkaVariables,
  LOG_LEVEL,
  loadDatabaseTimeouts,
  loadEventStoreSelection,
  PLATFORM_VARIABLES,
  requireDatabaseUrl,
  requireKafkaBrokers,
  shutdownGraceVariable,
} from '@publisher/platform/config';
import { envVar, readEnv } from '@publisher/platform/env';
import {
  loadStatusServer,
  STATUS_VARIABLES,
  type StatusServerSettings,
  statusPortVariable,
} from '@publisher/platform/status-access';
import { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from '@publisher/telemetry';
import type { Logger } from 'pino';

const DEFAULT_RELAY_PORT = 3003;

/** Everything the relay needs; `loadRelayConfig` builds it from the environment. */
export interface RelayConfig extends StatusServerSettings {
  /** PostgreSQL URL of the relay's checkpoint table (and of the event store when `eventStore` is postgres). */
  databaseUrl: string;
  brokers: string[];
  /** Which adapter to open (EVENT_STORE, EVENTSTORE_URL), or an already open store (tests, embedding); an injected store is not closed. */
  eventStore: EventStoreSelection | EventStore;
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
   * Encode Kafka records with the relay's byte-identical encoder instead of kafkajs' own (which
   * dominates the relay's CPU; see src/record-encoder.ts). `false` keeps kafkajs' encoder (a kill switch).
   */
  fastRecordEncoder: boolean;
  /** Upper bound of the back-off between attempts while Kafka or PostgreSQL is unavailable. */
  maxBackoffMs: number;
  /** How often a standby relay tries to take the lock of the active one. */
  lockRetryMs: number;
  /** How long a stop (SIGINT/SIGTERM) may take before the process exits anyway. */
  shutdownGraceMs: number;
  /**
   * Bounds of every PostgreSQL call (checkpoint pool, lock session, event-store pool): a query
   * without an answer after `queryTimeoutMs` (a hung server or network) fails, its connection is
   * dropped and the relay starts over from its checkpoint instead of waiting forever.
   */
  database: { connectTimeoutMs: number; statementTimeoutMs: number; queryTimeoutMs: number };
  logLevel: string;
  logger?: Logger;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

export type RelayOptions = Pick<RelayConfig, 'databaseUrl' | 'brokers'> & Partial<RelayConfig>;

/** The relay's name (its checkpoint and leadership lock) when RELAY_NAME is not set; the support CLI's too. */
export const DEFAULT_RELAY_NAME = 'kafka-relay';

export const relayDefaults: Omit<RelayConfig, 'databaseUrl' | 'brokers'> = {
  eventStore: { kind: 'postgres', esdbUrl: null },
  name: DEFAULT_RELAY_NAME,
  batchSize: 2000,
  maxRequestBytes: 900_000,
  topicPartitions: 3,
  topicPrefix: '',
  replicationFactor: -1,
  clientId: 'publisher-kafka-relay',
  fastRecordEncoder: true,
  maxBackoffMs: 10_000,
  lockRetryMs: 2000,
  shutdownGraceMs: 10_000,
  database: { connectTimeoutMs: 5000, statementTimeoutMs: 30_000, queryTimeoutMs: 35_000 },
  host: '127.0.0.1',
  statusToken: null,
  port: DEFAULT_RELAY_PORT,
  logLevel: 'info',
  telemetry: loadTelemetryConfig({}),
};

/** The relay's variables (README "Configuration" has their meaning). */
export const RELAY_VARIABLES = {
  DATABASE_URL: PLATFORM_VARIABLES.DATABASE_URL,
  KAFKA_BROKERS: envVar.list(),
  ...EVENT_STORE_VARIABLES,
  RELAY_NAME: envVar.string(relayDefaults.name),
  RELAY_BATCH_SIZE: envVar.integer(relayDefaults.batchSize, 1, 20_000),
  RELAY_MAX_REQUEST_BYTES: envVar.integer(relayDefaults.maxRequestBytes, 10_000, 100_000_000),
  ...kafkaVariables(relayDefaults),
  RELAY_FAST_RECORD_ENCODER: envVar.boolean(relayDefaults.fastRecordEncoder),
  RELAY_MAX_BACKOFF_MS: envVar.integer(relayDefaults.maxBackoffMs, 100, 600_000),
  RELAY_LOCK_RETRY_MS: envVar.integer(relayDefaults.lockRetryMs, 10, 600_000),
  SHUTDOWN_GRACE_MS: shutdownGraceVariable(relayDefaults.shutdownGraceMs),
  ...databaseTimeoutVariables(relayDefaults.database),
  ...STATUS_VARIABLES,
  KAFKA_RELAY_PORT: statusPortVariable(DEFAULT_RELAY_PORT),
  LOG_LEVEL,
  ...TELEMETRY_VARIABLES,
};

/**
 * Reads the relay's configuration from `RELAY_VARIABLES` and fails fast (ConfigError) on bad values.
 * @example const config = loadRelayConfig(process.env);
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const v = readEnv(RELAY_VARIABLES, env);
  const databaseUrl = requireDatabaseUrl(v.DATABASE_URL);
  const brokers = requireKafkaBrokers(v.KAFKA_BROKERS);
  return {
    databaseUrl,
    brokers,
    eventStore: loadEventStoreSelection(env),
    name: v.RELAY_NAME,
    batchSize: v.RELAY_BATCH_SIZE,
    maxRequestBytes: v.RELAY_MAX_REQUEST_BYTES,
    topicPartitions: v.KAFKA_TOPIC_PARTITIONS,
    topicPrefix: v.KAFKA_TOPIC_PREFIX,
    replicationFactor: v.KAFKA_TOPIC_REPLICATION_FACTOR,
    clientId: v.KAFKA_CLIENT_ID,
    fastRecordEncoder: v.RELAY_FAST_RECORD_ENCODER,
    maxBackoffMs: v.RELAY_MAX_BACKOFF_MS,
    lockRetryMs: v.RELAY_LOCK_RETRY_MS,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    database: loadDatabaseTimeouts(env, relayDefaults.database),
    ...loadStatusServer(env, v.KAFKA_RELAY_PORT),
    logLevel: v.LOG_LEVEL,
    telemetry: loadTelemetryConfig(env),
  };
}
