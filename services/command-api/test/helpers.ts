import { createPostgresEventStore, type PostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { Test } from 'tap';
import { buildApp } from '../src/app.ts';
import { loadCommandApiConfig } from '../src/config.ts';

export const API = '/api/v1/publisher';

export interface Claims {
  sub?: string;
  account_id: number;
  role: string;
  site_ids?: number[];
}

/** A development-secret token for these claims. */
export function tokenFor(claims: Claims): string {
  return signTestToken({ sub: claims.sub ?? `user-${claims.account_id}`, ...claims }, { key: DEVELOPMENT_JWT_SECRET });
}

export interface TestApi {
  app: FastifyInstance;
  store: PostgresEventStore;
  pool: pg.Pool;
  dbUrl: string;
  /** inject with a bearer token for `claims` (an editor of account 1 by default). */
  call: (opts: InjectOptions & { as?: Claims }) => Promise<LightMyRequestResponse>;
  /** Number of events stored (to prove that refused requests wrote nothing). */
  eventCount: () => Promise<number>;
}

export const editor: Claims = { account_id: 1, role: 'editor' };

/**
 * A command API on its own fresh database, with the real PostgreSQL event store; everything is
 * closed and dropped in teardown.
 */
export async function startApi(
  t: Test,
  env: NodeJS.ProcessEnv = {},
  options: { now?: () => Date } = {},
): Promise<TestApi> {
  const db = await createTestDatabase('command_api');
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => {});
  const config = loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', ...env });
  // As `eventStoreOptions` (server.ts) configures it, so `env` reaches the store too (APPEND_*).
  const store = createPostgresEventStore({
    pool,
    appendConcurrency: config.appendConcurrency,
    maxQueuedAppendBytes: config.appendQueueBytes,
  });
  await store.migrate();
  const app = await buildApp({ store, pool, config, now: options.now }, { logger: false });
  t.teardown(async () => {
    await app.close();
    await store.close();
    await pool.end();
    await db.drop();
  });
  return {
    app,
    store,
    pool,
    dbUrl: db.url,
    call: ({ as = editor, headers, ...opts }) =>
      app.inject({ ...opts, headers: { authorization: `Bearer ${tokenFor(as)}`, ...headers } }),
    eventCount: async () => Number((await pool.query('SELECT count(*) AS n FROM event_store.events')).rows[0].n),
  };
}

/** A valid create body for publishing records. */
export function recordBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    content_id: 42,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/x' },
    metadata: { title: 'Hello' },
    ...overrides,
  };
}

/** Creates a record as `as` and returns its representation. */
export async function createRecord(api: TestApi, as: Claims = editor, overrides: Record<string, unknown> = {}) {
  const res = await api.call({ method: 'POST', url: `${API}/publishing-records/`, payload: recordBody(overrides), as });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json().data as { id: string; revision: number; status: string; account_id: number; site_id: number };
}

/** `POST deploy` as `as` (an editor of account 1 by default); returns the response. */
export function deploy(api: TestApi, payload: Record<string, unknown>, as: Claims = editor) {
  return api.call({ method: 'POST', url: `${API}/deploy`, payload, as });
}

/** Deploys a site as `as` and returns the new deployment's representation. */
export async function createDeployment(api: TestApi, payload: Record<string, unknown>, as: Claims = editor) {
  const res = await deploy(api, payload, as);
  if (res.statusCode !== 201) throw new Error(`deploy failed: ${res.statusCode} ${res.body}`);
  return res.json().data as { id: string; version: number; status: string; revision: number; account_id: number };
}
