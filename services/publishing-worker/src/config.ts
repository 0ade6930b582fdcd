import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import {
  DESTINATION_POLICY_VARIABLES,
  type DestinationPolicy,
  destinationPolicyFromEnv,
} from '@publisher/destination-policy';
import { JWT_POLICY_VARIABLES, type JwtPolicy, LOG_LEVEL, loadJwtPolicy, resolveJwtSecret } from '@publisher/platform';
import {
  apiUrl,
  COMMAND_API_LOCATION_VARIABLES,
  type DatabaseTimeouts,
  databaseTimeoutVariables,
  kafkaVariables,
  loadDatabaseTimeouts,
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
import type { WordPressCredentials } from './destinations/index.ts';
import { loadWordPressCredentials, WORDPRESS_VARIABLES } from './wordpress-credentials.ts';

const DEFAULT_WORKER_PORT = 3004;

export interface WorkerConfig extends StatusServerSettings {
  brokers: string[];
  /** Base URL of the command API, e.g. `http://127.0.0.1:3000`. */
  commandApiUrl: string;
  /** HS256 secret the command API verifies (JWT_SECRET). */
  jwtSecret: string;
  /** `iss`, `aud` and the lifetime cap the command API checks (JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_TTL_SECONDS). */
  jwtPolicy?: JwtPolicy;
  groupId: string;
  clientId: string;
  /** Prepended to topic names (KAFKA_TOPIC_PREFIX), as for the relay. */
  topicPrefix: string;
  /** Partitions of the dead-letter topic when the worker creates it. */
  topicPartitions: number;
  replicationFactor: number;
  /** Where a new consumer group starts: the beginning (no pending record is missed) or the end. */
  fromBeginning: boolean;
  /** Deliveries in flight at once, over all tenants. */
  concurrency: number;
  /** Deliveries of one account in flight at once: a slow tenant holds at most this many slots. */
  tenantConcurrency: number;
  /** Records held (queued or in flight) before the consumer stops taking messages. */
  bufferSize: number;
  /** PostgreSQL holding the accounts' webhook signing secrets (the command API's database). */
  databaseUrl: string | null;
  /** Bounds of its calls to that PostgreSQL: a lookup that stalls fails its delivery, not a slot forever. */
  database: DatabaseTimeouts;
  /** Where deliveries may go (ALLOW_PRIVATE_DESTINATIONS). */
  destinationPolicy: DestinationPolicy;
  /** WordPress credentials by account and site (WORDPRESS_CREDENTIALS[_FILE]). */
  wordpressCredentials: WordPressCredentials;
  /** Timeout of one delivery request. */
  deliveryTimeoutMs: number;
  /** Timeout of one command API request. */
  commandTimeoutMs: number;
  /** How long a claim (start) is retried while the command API is unavailable. */
  commandRetryBudgetMs: number;
  /** How long `succeed`/`fail` are retried before the message is dead-lettered with its outcome. */
  outcomeRetryBudgetMs: number;
  /** How long a message whose claim keeps failing is held before it is dead-lettered (CLAIM_NOT_MADE). */
  claimHoldLimitMs: number;
  /** Event ids remembered for deduplication. */
  dedupeCapacity: number;
  /**
   * How long a stop (SIGINT/SIGTERM) may take before the process exits anyway; in-flight messages
   * get two thirds of it to finish (`drainGraceMs`).
   */
  shutdownGraceMs: number;
  logLevel: string;
  logger?: Logger;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

export type WorkerOptions = Pick<WorkerConfig, 'brokers' | 'commandApiUrl' | 'jwtSecret'> & Partial<WorkerConfig>;

export const workerDefaults: Omit<WorkerConfig, 'brokers' | 'commandApiUrl' | 'jwtSecret'> = {
  groupId: 'publisher-publishing-worker',
  clientId: 'publisher-publishing-worker',
  topicPrefix: '',
  topicPartitions: 3,
  replicationFactor: -1,
  fromBeginning: true,
  concurrency: 8,
  tenantConcurrency: 2,
  bufferSize: 2000,
  databaseUrl: null,
  database: { connectTimeoutMs: 3000, statementTimeoutMs: 5000, queryTimeoutMs: 6000 },
  destinationPolicy: { allowPrivate: false },
  wordpressCredentials: new Map(),
  deliveryTimeoutMs: 10_000,
  commandTimeoutMs: 10_000,
  commandRetryBudgetMs: 60_000,
  outcomeRetryBudgetMs: 120_000,
  claimHoldLimitMs: 900_000,
  dedupeCapacity: 100_000,
  shutdownGraceMs: 15_000,
  host: '127.0.0.1',
  statusToken: null,
  port: DEFAULT_WORKER_PORT,
  logLevel: 'info',
  telemetry: loadTelemetryConfig({}),
};

/** The topic the worker consumes and its dead-letter topic, with the prefix applied. */
export function workerTopics(config: Pick<WorkerConfig, 'topicPrefix'>): { source: string; deadLetter: string } {
  const source = config.topicPrefix + PUBLISHING_RECORDS_TOPIC;
  return { source, deadLetter: `${source}.dlq` };
}

/** The worker's variables (README "Configuration" has their meaning). */
export const WORKER_VARIABLES = {
  KAFKA_BROKERS: envVar.list(),
  DATABASE_URL: PLATFORM_VARIABLES.DATABASE_URL,
  // The APIs' defaults (connect 3 s, statement 5 s, query the statement + 1 s).
  ...databaseTimeoutVariables({ connectTimeoutMs: 3000, statementTimeoutMs: 5000 }),
  ...COMMAND_API_LOCATION_VARIABLES,
  ...JWT_POLICY_VARIABLES,
  JWT_SECRET: PLATFORM_VARIABLES.JWT_SECRET,
  NODE_ENV: PLATFORM_VARIABLES.NODE_ENV,
  WORKER_GROUP_ID: envVar.string(workerDefaults.groupId),
  ...kafkaVariables(workerDefaults),
  WORKER_FROM_BEGINNING: envVar.boolean(workerDefaults.fromBeginning),
  WORKER_CONCURRENCY: envVar.integer(workerDefaults.concurrency, 1, 1000),
  WORKER_TENANT_CONCURRENCY: envVar.integer(workerDefaults.tenantConcurrency, 1, 1000),
  WORKER_BUFFER_SIZE: envVar.integer(workerDefaults.bufferSize, 1, 1_000_000),
  WORKER_DEDUPE_CAPACITY: envVar.integer(workerDefaults.dedupeCapacity, 1, 10_000_000),
  DELIVERY_TIMEOUT_MS: envVar.integer(workerDefaults.deliveryTimeoutMs, 100, 300_000),
  COMMAND_TIMEOUT_MS: envVar.integer(workerDefaults.commandTimeoutMs, 100, 300_000),
  COMMAND_RETRY_BUDGET_MS: envVar.integer(workerDefaults.commandRetryBudgetMs, 0, 3_600_000),
  OUTCOME_RETRY_BUDGET_MS: envVar.integer(workerDefaults.outcomeRetryBudgetMs, 0, 24 * 3_600_000),
  CLAIM_HOLD_LIMIT_MS: envVar.integer(workerDefaults.claimHoldLimitMs, 0, 7 * 24 * 3_600_000),
  SHUTDOWN_GRACE_MS: shutdownGraceVariable(workerDefaults.shutdownGraceMs),
  ...DESTINATION_POLICY_VARIABLES,
  ...WORDPRESS_VARIABLES,
  ...STATUS_VARIABLES,
  PUBLISHING_WORKER_PORT: statusPortVariable(DEFAULT_WORKER_PORT),
  LOG_LEVEL,
  ...TELEMETRY_VARIABLES,
};

/**
 * Reads the worker's configuration from `WORKER_VARIABLES`; fails fast (ConfigError) on bad values.
 * @example const config = loadWorkerConfig(process.env);
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig & { warnings: string[] } {
  const warnings: string[] = [];
  const v = readEnv(WORKER_VARIABLES, env);
  const brokers = requireKafkaBrokers(v.KAFKA_BROKERS);
  const jwt = resolveJwtSecret(env);
  if (jwt.development) warnings.push('JWT_SECRET is not set: signing with the development secret');
  const databaseUrl = requireDatabaseUrl(v.DATABASE_URL);
  const destinationPolicy = destinationPolicyFromEnv(env);
  if (destinationPolicy.allowPrivate) {
    warnings.push('ALLOW_PRIVATE_DESTINATIONS=true: deliveries may reach loopback and private addresses');
  }
  return {
    brokers,
    commandApiUrl: apiUrl(v.COMMAND_API_URL, v.COMMAND_API_PORT),
    jwtSecret: jwt.secret,
    jwtPolicy: loadJwtPolicy(env),
    groupId: v.WORKER_GROUP_ID,
    clientId: v.KAFKA_CLIENT_ID,
    topicPrefix: v.KAFKA_TOPIC_PREFIX,
    topicPartitions: v.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: v.KAFKA_TOPIC_REPLICATION_FACTOR,
    fromBeginning: v.WORKER_FROM_BEGINNING,
    concurrency: v.WORKER_CONCURRENCY,
    tenantConcurrency: v.WORKER_TENANT_CONCURRENCY,
    bufferSize: v.WORKER_BUFFER_SIZE,
    databaseUrl,
    database: loadDatabaseTimeouts(env),
    destinationPolicy,
    wordpressCredentials: loadWordPressCredentials(env, destinationPolicy),
    deliveryTimeoutMs: v.DELIVERY_TIMEOUT_MS,
    commandTimeoutMs: v.COMMAND_TIMEOUT_MS,
    commandRetryBudgetMs: v.COMMAND_RETRY_BUDGET_MS,
    claimHoldLimitMs: v.CLAIM_HOLD_LIMIT_MS,
    outcomeRetryBudgetMs: v.OUTCOME_RETRY_BUDGET_MS,
    dedupeCapacity: v.WORKER_DEDUPE_CAPACITY,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    ...loadStatusServer(env, v.PUBLISHING_WORKER_PORT),
    logLevel: v.LOG_LEVEL,
    telemetry: loadTelemetryConfig(env),
    warnings,
  };
}
