/**
 * The whole of Publisher around the worker, for end-to-end tests: command API (HTTP on loopback),
 * relay, projector and read API in this process, on a fresh database and the test broker, with a
 * topic prefix of its own so other test files sharing the broker do not interfere.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, loadCommandApiConfig } from '@publisher/command-api';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { startKafka } from '@publisher/dev-infra';
import { createPostgresEventStore, type PostgresEventStore } from '@publisher/event-store';
import { start as startRelay } from '@publisher/kafka-relay';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { loadProjectorConfig, start as startProjector } from '@publisher/projector';
import { buildApp as buildReadApi, loadReadApiConfig } from '@publisher/read-api';
import { createTestDatabase, signTestToken, testLogger } from '@publisher/testing';
import pg from 'pg';

export const API = '/api/v1/publisher';

export interface Stack {
  brokers: string;
  prefix: string;
  dbUrl: string;
  store: PostgresEventStore;
  commandUrl: string;
  readUrl: string;
  /** Where the relay and the projector serve `/metrics` (with `statusPorts`; else null). */
  relayMetricsUrl: string | null;
  projectorMetricsUrl: string | null;
  /** Calls the command API as an editor of account 1, or with `token`. */
  command(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Envelope }>;
  /** Reads a record from the read API as an editor of account 1. */
  read(id: string): Promise<{ status: number; body: Envelope }>;
}

/** The parts of the API envelope the tests read. */
interface Envelope {
  data: PublishingRecordRepresentation;
  code?: string;
  error?: string;
}

export const editorToken = signTestToken(
  { sub: 'editor-1', account_id: 1, role: 'editor' },
  { key: DEVELOPMENT_JWT_SECRET },
);

/** A token for these claims, signed with the development secret the stack's services use. */
export const tokenFor = (claims: { account_id: number; role: string; sub?: string }) =>
  signTestToken({ sub: `${claims.role}-${claims.account_id}`, ...claims }, { key: DEVELOPMENT_JWT_SECRET });

/**
 * Starts the stack. The command API runs with the production destination policy unless
 * `commandEnv` says otherwise: tests name their loopback destinations through host names that the
 * worker's test resolver maps to 127.0.0.1, as a public name would be.
 */
export async function startStack(
  defer: (fn: () => unknown) => void,
  options: { commandEnv?: NodeJS.ProcessEnv; partitions?: number; statusPorts?: boolean } = {},
): Promise<Stack> {
  const db = await createTestDatabase('worker');
  defer(db.drop);
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    const kafka = await startKafka();
    defer(() => kafka.stop());
    brokers = kafka.brokers;
  }
  const prefix = `worker-${randomUUID().slice(0, 8)}.`;

  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => {});
  const store = createPostgresEventStore({ pool });
  await store.migrate();
  defer(() => pool.end());
  defer(() => store.close());
  const config = loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', ...options.commandEnv });
  const app = await buildApp({ store, pool, config }, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  defer(() => app.close());
  const commandUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const relay = await startRelay({
    databaseUrl: db.url,
    brokers: [brokers],
    topicPrefix: prefix,
    ...(options.partitions ? { topicPartitions: options.partitions } : {}),
    port: options.statusPorts ? 0 : null,
    logger: testLogger('relay'),
  });
  defer(() => relay.close());
  const projector = await startProjector(
    loadProjectorConfig({
      DATABASE_URL: db.url,
      STATUS_ENABLED: String(options.statusPorts ?? false),
      PROJECTOR_PORT: '0',
      LOG_LEVEL: 'silent',
    }),
    { logger: testLogger('projector') },
  );
  defer(() => projector.close());
  const readApi = await buildReadApi({
    config: loadReadApiConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }),
  });
  await readApi.listen({ port: 0, host: '127.0.0.1' });
  defer(() => readApi.close());
  const readUrl = `http://127.0.0.1:${(readApi.server.address() as { port: number }).port}`;

  const call = async (url: string, method: string, body?: unknown, token = editorToken) => {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Envelope };
  };
  return {
    brokers,
    prefix,
    dbUrl: db.url,
    store,
    commandUrl,
    readUrl,
    relayMetricsUrl: relay.metricsPort === null ? null : `http://127.0.0.1:${relay.metricsPort}/metrics`,
    projectorMetricsUrl: projector.metricsPort === null ? null : `http://127.0.0.1:${projector.metricsPort}/metrics`,
    command: (method, path, body, token) => call(`${commandUrl}${API}/${path}`, method, body, token),
    read: (id) => call(`${readUrl}${API}/publishing-records/${id}`, 'GET'),
  };
}

/** Polls the read API until the record satisfies `done` (or fails after `timeoutMs`). */
export async function readUntil(
  stack: Stack,
  id: string,
  done: (record: PublishingRecordRepresentation) => boolean,
  timeoutMs = 20_000,
): Promise<PublishingRecordRepresentation> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const { status, body } = await stack.read(id);
    if (status === 200 && done(body.data)) return body.data;
    last = body.data ?? body;
    await sleep(100);
  }
  throw new Error(`record ${id} did not reach the expected state; last seen ${JSON.stringify(last)}`);
}
