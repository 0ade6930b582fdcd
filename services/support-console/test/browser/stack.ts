/**
 * The real stack the browser tests drive, each part listening on an ephemeral loopback port: the
 * command API and the read API on the test's PostgreSQL (event store and read models), the
 * projector between them, and the support console in front. Kafka is not started: the console
 * reads what consumers were sent from the history, and re-drives are recorded by the command API
 * whether or not a relay runs.
 */
import { buildApp as buildCommandApi, loadCommandApiConfig } from '@publisher/command-api';
import { createPostgresEventStore } from '@publisher/event-store';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { startProjector } from '@publisher/projector';
import { buildApp as buildReadApi, loadReadApiConfig } from '@publisher/read-api';
import { createTestDatabase, signTestToken } from '@publisher/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp as buildConsole } from '../../src/app.ts';
import { loadSupportConsoleConfig, type SupportConsoleConfig } from '../../src/config.ts';

const API = '/api/v1/publisher';

/** The console listening as `server.ts` serves it (without a METRICS_PORT server). */
export async function startConsole(config: SupportConsoleConfig): Promise<{ url: string; close: () => Promise<void> }> {
  const app = await buildConsole(config);
  await app.listen({ port: config.port, host: config.host });
  const { address, port } = app.server.address() as { address: string; port: number };
  return { url: `http://${address}:${port}`, close: () => app.close() };
}

export interface User {
  sub: string;
  role: string;
  account_id?: number;
  site_ids?: number[];
}

/** A development token (the development secret the stack runs with); `expiresInSeconds` < 0 gives an expired one. */
export function tokenFor(user: User, expiresInSeconds = 3600): string {
  return signTestToken({ ...user }, { key: DEVELOPMENT_JWT_SECRET, expiresInSeconds });
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

export interface Stack {
  consoleUrl: string;
  commandUrl: string;
  readUrl: string;
  /** The test database the APIs run on (a test may start another API on it). */
  databaseUrl: string;
  /** A command as `user`; returns the parsed envelope and the `X-Position` of its events. */
  command(
    user: User,
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: { data: Record<string, unknown> }; position: string | null }>;
  /** Waits until the projector has passed `position` (read-your-writes through the read API). */
  projected(user: User, position: string): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(name: string): Promise<Stack> {
  const db = await createTestDatabase(name);
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => {});
  const store = createPostgresEventStore({ pool });
  await store.migrate();
  const commands = await buildCommandApi(
    { store, pool, config: loadCommandApiConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
    { logger: false },
  );
  const reads = await buildReadApi(
    { config: loadReadApiConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000' }) },
    { logger: false },
  );
  const projector = startProjector({
    store,
    connectionString: db.url,
    logger: pino({ level: 'silent' }),
    batchSize: 100,
  });
  const commandUrl = await listen(commands);
  const readUrl = await listen(reads);
  const supportConsole = await startConsole({
    ...loadSupportConsoleConfig({ LOG_LEVEL: 'silent', COMMAND_API_URL: commandUrl, READ_API_URL: readUrl }),
    port: 0,
  });

  const bearer = (user: User) => ({ authorization: `Bearer ${tokenFor(user)}` });
  return {
    consoleUrl: supportConsole.url,
    commandUrl,
    readUrl,
    databaseUrl: db.url,
    async command(user, method, path, body) {
      const response = await fetch(`${commandUrl}${API}/${path}`, {
        method,
        headers: { ...bearer(user), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} as ${user.sub}: ${response.status} ${text}`);
      return {
        status: response.status,
        body: text ? JSON.parse(text) : {},
        position: response.headers.get('x-position'),
      };
    },
    async projected(user, position) {
      const response = await fetch(`${readUrl}${API}/publishing-records/?page_size=1&min_position=${position}`, {
        headers: bearer(user),
      });
      if (!response.ok) throw new Error(`read-your-writes wait failed: ${response.status} ${await response.text()}`);
    },
    async close() {
      await supportConsole.close();
      await projector.close();
      await reads.close();
      await commands.close();
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}

const editor: User = { sub: 'ed', role: 'editor', account_id: 1 };
const worker: User = { sub: 'worker', role: 'system_bot' };

/**
 * A publishing record of account 1 through every status — pending → publishing → failed → pending
 * → publishing → published — by an editor (`ed`: create, retry) and the worker (`worker`,
 * system_bot: start, fail, succeed); returns its id once the read model has it.
 */
export async function recordThroughEveryStatus(stack: Stack): Promise<string> {
  const created = await stack.command(editor, 'POST', 'publishing-records/', {
    content_id: 42,
    site_id: 7,
    sector_id: 3,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/publisher' },
  });
  const id = String(created.body.data.id);
  await stack.command(worker, 'POST', `publishing-records/${id}/start`);
  await stack.command(worker, 'POST', `publishing-records/${id}/fail`, {
    error: 'webhook answered 503 (server error)',
  });
  await stack.command(editor, 'POST', `publishing-records/${id}/retry`);
  await stack.command(worker, 'POST', `publishing-records/${id}/start`);
  const last = await stack.command(worker, 'POST', `publishing-records/${id}/succeed`, {
    external_url: 'https://example.com/p/42',
    external_id: 'p-42',
  });
  await stack.projected(editor, String(last.position));
  return id;
}
