import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { type DestinationPolicy, destinationPolicyFromEnv } from '@publisher/destination-policy';
import { integerFromEnv, type JwtPolicy, loadJwtPolicy, resolveJwtSecret } from '@publisher/platform';
import { loadStatusAccess } from '@publisher/platform/status-access';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';
import type { Logger } from 'pino';
import type { WordPressCredentials } from './destinations/index.ts';
import { WorkerError } from './errors.ts';
import { loadWordPressCredentials } from './wordpress-credentials.ts';

export const DEFAULT_WORKER_PORT = 3004;

export interface WorkerConfig {
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
  /** Interface of /health and /metrics (STATUS_HOST, default 127.0.0.1; a non-loopback one needs STATUS_TOKEN). */
  host: string;
  /** Bearer token /metrics requires (STATUS_TOKEN); null: none. /health never needs it. */
  statusToken?: string | null;
  /** Port of /health and /metrics; null: none; 0: any free port. */
  port: number | null;
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
  destinationPolicy: { allowPrivate: false },
  wordpressCredentials: new Map(),
  deliveryTimeoutMs: 10_000,
  commandTimeoutMs: 10_000,
  commandRetryBudgetMs: 60_000,
  outcomeRetryBudgetMs: 120_000,
  claimHoldLimitMs: 900_000,
  dedupeCapacity: 100_000,
  host: '127.0.0.1',
  port: DEFAULT_WORKER_PORT,
  logLevel: 'info',
  telemetry: loadTelemetryConfig({}),
};

/** The topic the worker consumes and its dead-letter topic, with the prefix applied. */
export function workerTopics(config: Pick<WorkerConfig, 'topicPrefix'>): { source: string; deadLetter: string } {
  const source = config.topicPrefix + PUBLISHING_RECORDS_TOPIC;
  return { source, deadLetter: `${source}.dlq` };
}

/**
 * Reads the worker's configuration from the environment (see README); fails fast on bad values.
 * @example const config = loadWorkerConfig(process.env);
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig & { warnings: string[] } {
  const warnings: string[] = [];
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw invalid('KAFKA_BROKERS is required, e.g. 127.0.0.1:9092');
  let status: ReturnType<typeof loadStatusAccess>;
  try {
    status = loadStatusAccess(env);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const jwt = resolveJwtSecret(env);
  if (jwt.development) warnings.push('JWT_SECRET is not set: signing with the development secret');
  if (env.WEBHOOK_SIGNING_SECRET) {
    warnings.push('WEBHOOK_SIGNING_SECRET is ignored: each account has its own secret (GET webhook-signing-secret)');
  }
  if (!env.DATABASE_URL) throw invalid('DATABASE_URL is required (the accounts’ webhook signing secrets live there)');
  const destinationPolicy = destinationPolicyFromEnv(env, invalid);
  if (destinationPolicy.allowPrivate) {
    warnings.push('ALLOW_PRIVATE_DESTINATIONS=true: deliveries may reach loopback and private addresses');
  }
  const commandPort = env.COMMAND_API_PORT || '3000';
  const commandApiUrl = env.COMMAND_API_URL || `http://127.0.0.1:${commandPort}`;
  if (!/^https?:\/\//.test(commandApiUrl))
    throw invalid(`COMMAND_API_URL must be an http(s) URL; got ${commandApiUrl}`);
  const from = env.WORKER_FROM_BEGINNING ?? 'true';
  if (from !== 'true' && from !== 'false') throw invalid(`WORKER_FROM_BEGINNING must be true or false; got ${from}`);
  return {
    brokers,
    commandApiUrl,
    jwtSecret: jwt.secret,
    jwtPolicy: loadJwtPolicy(env),
    groupId: env.WORKER_GROUP_ID || workerDefaults.groupId,
    clientId: env.KAFKA_CLIENT_ID || workerDefaults.clientId,
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
    topicPartitions: integer(env, 'KAFKA_TOPIC_PARTITIONS', workerDefaults.topicPartitions, 1, 10_000),
    replicationFactor: integer(env, 'KAFKA_TOPIC_REPLICATION_FACTOR', workerDefaults.replicationFactor, -1, 100),
    fromBeginning: from === 'true',
    concurrency: integer(env, 'WORKER_CONCURRENCY', workerDefaults.concurrency, 1, 1000),
    tenantConcurrency: integer(env, 'WORKER_TENANT_CONCURRENCY', workerDefaults.tenantConcurrency, 1, 1000),
    bufferSize: integer(env, 'WORKER_BUFFER_SIZE', workerDefaults.bufferSize, 1, 1_000_000),
    databaseUrl: env.DATABASE_URL,
    destinationPolicy,
    wordpressCredentials: loadWordPressCredentials(env, destinationPolicy, invalid),
    deliveryTimeoutMs: integer(env, 'DELIVERY_TIMEOUT_MS', workerDefaults.deliveryTimeoutMs, 100, 300_000),
    commandTimeoutMs: integer(env, 'COMMAND_TIMEOUT_MS', workerDefaults.commandTimeoutMs, 100, 300_000),
    commandRetryBudgetMs: integer(env, 'COMMAND_RETRY_BUDGET_MS', workerDefaults.commandRetryBudgetMs, 0, 3_600_000),
    claimHoldLimitMs: integer(env, 'CLAIM_HOLD_LIMIT_MS', workerDefaults.claimHoldLimitMs, 0, 7 * 24 * 3_600_000),
    outcomeRetryBudgetMs: integer(
      env,
      'OUTCOME_RETRY_BUDGET_MS',
      workerDefaults.outcomeRetryBudgetMs,
      0,
      24 * 3_600_000,
    ),
    dedupeCapacity: integer(env, 'WORKER_DEDUPE_CAPACITY', workerDefaults.dedupeCapacity, 1, 10_000_000),
    host: status.host,
    statusToken: status.token,
    port:
      env.PUBLISHING_WORKER_PORT === 'off'
        ? null
        : integer(env, 'PUBLISHING_WORKER_PORT', DEFAULT_WORKER_PORT, 0, 65535),
    logLevel: env.LOG_LEVEL || workerDefaults.logLevel,
    telemetry: loadTelemetryConfig(env),
    warnings,
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  return integerFromEnv(env, name, fallback, min, max, invalid);
}

function invalid(message: string): WorkerError {
  return new WorkerError('WORKER_CONFIG_INVALID', message);
}
