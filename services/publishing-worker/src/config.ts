import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { integerFromEnv, type JwtPolicy, loadJwtPolicy, resolveJwtSecret } from '@publisher/platform';
import { loadStatusAccess } from '@publisher/platform/status-access';
import type { Logger } from 'pino';
import type { WordPressCredentials } from './destinations/index.ts';
import { WorkerError } from './errors.ts';

export const DEFAULT_WORKER_PORT = 3004;
/** Used without WEBHOOK_SIGNING_SECRET outside production; receivers must not trust it. */
export const DEVELOPMENT_WEBHOOK_SECRET = 'publisher-development-webhook-secret';

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
  /** Partitions processed at once (each partition stays sequential, so per-record order holds). */
  concurrency: number;
  webhookSecret: string;
  wordpress: { credentials: Record<string, WordPressCredentials>; fallback: WordPressCredentials | null };
  /** Timeout of one delivery request. */
  deliveryTimeoutMs: number;
  /** Timeout of one command API request. */
  commandTimeoutMs: number;
  /** How long a claim (start) is retried while the command API is unavailable. */
  commandRetryBudgetMs: number;
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
}

export type WorkerOptions = Pick<WorkerConfig, 'brokers' | 'commandApiUrl' | 'jwtSecret'> & Partial<WorkerConfig>;

export const workerDefaults: Omit<WorkerConfig, 'brokers' | 'commandApiUrl' | 'jwtSecret'> = {
  groupId: 'publisher-publishing-worker',
  clientId: 'publisher-publishing-worker',
  topicPrefix: '',
  topicPartitions: 3,
  replicationFactor: -1,
  fromBeginning: true,
  concurrency: 3,
  webhookSecret: DEVELOPMENT_WEBHOOK_SECRET,
  wordpress: { credentials: {}, fallback: null },
  deliveryTimeoutMs: 10_000,
  commandTimeoutMs: 10_000,
  commandRetryBudgetMs: 60_000,
  dedupeCapacity: 100_000,
  host: '127.0.0.1',
  port: DEFAULT_WORKER_PORT,
  logLevel: 'info',
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
  const production = env.NODE_ENV === 'production';
  let status: ReturnType<typeof loadStatusAccess>;
  try {
    status = loadStatusAccess(env);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const jwt = resolveJwtSecret(env);
  if (jwt.development) warnings.push('JWT_SECRET is not set: signing with the development secret');
  let webhookSecret = env.WEBHOOK_SIGNING_SECRET;
  if (!webhookSecret) {
    if (production) throw invalid('WEBHOOK_SIGNING_SECRET is required when NODE_ENV=production');
    warnings.push('WEBHOOK_SIGNING_SECRET is not set: webhooks are signed with the development secret');
    webhookSecret = DEVELOPMENT_WEBHOOK_SECRET;
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
    concurrency: integer(env, 'WORKER_CONCURRENCY', workerDefaults.concurrency, 1, 100),
    webhookSecret,
    wordpress: wordpressCredentials(env),
    deliveryTimeoutMs: integer(env, 'DELIVERY_TIMEOUT_MS', workerDefaults.deliveryTimeoutMs, 100, 300_000),
    commandTimeoutMs: integer(env, 'COMMAND_TIMEOUT_MS', workerDefaults.commandTimeoutMs, 100, 300_000),
    commandRetryBudgetMs: integer(env, 'COMMAND_RETRY_BUDGET_MS', workerDefaults.commandRetryBudgetMs, 0, 3_600_000),
    dedupeCapacity: integer(env, 'WORKER_DEDUPE_CAPACITY', workerDefaults.dedupeCapacity, 1, 10_000_000),
    host: status.host,
    statusToken: status.token,
    port:
      env.PUBLISHING_WORKER_PORT === 'off'
        ? null
        : integer(env, 'PUBLISHING_WORKER_PORT', DEFAULT_WORKER_PORT, 0, 65535),
    logLevel: env.LOG_LEVEL || workerDefaults.logLevel,
    warnings,
  };
}

/**
 * WORDPRESS_CREDENTIALS: JSON `{ "<site origin>": { "username": "…", "application_password": "…" } }`;
 * WORDPRESS_USERNAME + WORDPRESS_APP_PASSWORD: the credentials for every other site.
 */
function wordpressCredentials(env: NodeJS.ProcessEnv): WorkerConfig['wordpress'] {
  const credentials: Record<string, WordPressCredentials> = {};
  if (env.WORDPRESS_CREDENTIALS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.WORDPRESS_CREDENTIALS);
    } catch {
      throw invalid('WORDPRESS_CREDENTIALS must be JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) throw invalid('WORDPRESS_CREDENTIALS must be a JSON object');
    for (const [site, value] of Object.entries(parsed)) {
      const v = value as Partial<WordPressCredentials> | null;
      if (typeof v?.username !== 'string' || typeof v.application_password !== 'string') {
        throw invalid(`WORDPRESS_CREDENTIALS["${site}"] needs username and application_password`);
      }
      let origin: string;
      try {
        origin = new URL(site).origin;
      } catch {
        throw invalid(`WORDPRESS_CREDENTIALS key ${site} is not a URL`);
      }
      credentials[origin] = { username: v.username, application_password: v.application_password };
    }
  }
  const fallback =
    env.WORDPRESS_USERNAME && env.WORDPRESS_APP_PASSWORD
      ? { username: env.WORDPRESS_USERNAME, application_password: env.WORDPRESS_APP_PASSWORD }
      : null;
  return { credentials, fallback };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  return integerFromEnv(env, name, fallback, min, max, invalid);
}

function invalid(message: string): WorkerError {
  return new WorkerError('WORKER_CONFIG_INVALID', message);
}
