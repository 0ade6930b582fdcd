/**
 * The whole read side wired as in production, in one process: command API → PostgreSQL event
 * store → projector → read models → read API, each on the real database.
 */
import { buildApp as buildCommandApi, loadCommandApiConfig } from '@publisher/command-api';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { startProjector } from '@publisher/projector';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import type { Test } from 'tap';
import { buildApp as buildReadApi } from '../src/app.ts';
import { config } from './helpers.ts';

export const API = '/api/v1/publisher';

export interface Claims {
  account_id: number;
  role: string;
  site_ids?: number[];
}

export const bearer = (c: Claims) => ({
  authorization: `Bearer ${signTestToken({ sub: `u-${c.account_id}-${c.role}`, ...c }, { key: DEVELOPMENT_JWT_SECRET })}`,
});

export async function startStack(t: Test, readEnv: NodeJS.ProcessEnv = {}) {
  const db = await createTestDatabase('read_side_e2e');
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => {});
  const store = createPostgresEventStore({ pool });
  await store.migrate();
  const commands = await buildCommandApi(
    { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
    { logger: false },
  );
  // Reads of the test's own writes wait for the projector: on a loaded CI machine it may be seconds
  // behind, so the bound is generous unless a test sets its own.
  const reads = await buildReadApi(
    { config: config(db.url, { READ_API_MIN_POSITION_TIMEOUT_MS: '30000', ...readEnv }) },
    { logger: false },
  );
  const projector = startProjector({
    store,
    connectionString: db.url,
    logger: pino({ level: 'silent' }),
    batchSize: 100,
  });
  t.teardown(async () => {
    await projector.close();
    await reads.close();
    await commands.close();
    await store.close();
    await pool.end();
    await db.drop();
  });
  return {
    store,
    /** The pool on the test database (the command API's), for a test to hold a transaction open. */
    pool,
    projector,
    /** A request to the command API as `as` (a command, or a GET of one record); returns the response. */
    command: (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      as: Claims,
      body?: unknown,
      headers: Record<string, string> = {},
    ) =>
      commands.inject({
        method,
        url: `${API}${url}`,
        headers: {
          ...bearer(as),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      }),
    /** Any method on the read API as `as` (reads are GETs; other methods must find no route). */
    readRaw: (r: { method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; as: Claims }) =>
      reads.inject({ method: r.method, url: `${API}${r.url}`, headers: bearer(r.as) }),
    /** A read as `as`. */
    read: (url: string, as: Claims, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
      reads.inject({ method: 'GET', url: `${API}${url}`, headers: { ...bearer(as), ...headers } }),
    /** The two apps themselves, for requests on their own paths (`/docs/json`, documented routes). */
    apps: { commands, reads },
  };
}
