import type pg from 'pg';
import { withAdvisoryXactLock } from './advisory-lock.ts';

/**
 * Quotes an SQL identifier, such as the schema name `applyMigrations` takes (schema names come from
 * code and configuration, never from requests).
 * @example quoteIdent('read_model_next'); // '"read_model_next"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One numbered schema change; `sql` gets the quoted schema name (`quoteIdent`). */
export interface Migration {
  version: number;
  description: string;
  sql: (schema: string) => string;
}

/**
 * Creates `schema` (quoted) and its `migrations` table when missing, then applies, in order, each
 * migration not recorded there, recording it in the same transaction; returns the versions applied.
 * Run it inside `withAdvisoryXactLock`, so concurrent start-ups apply each migration once.
 * @example
 * const applied = await withAdvisoryXactLock(pool, 'event-store:migrate', (c) => applyMigrations(c, '"event_store"', MIGRATIONS));
 */
export async function applyMigrations(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
): Promise<number[]> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${schema}.migrations (version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.migrations`);
  const done = new Set(rows.map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    await client.query(m.sql(schema));
    await client.query(`INSERT INTO ${schema}.migrations (version, description) VALUES ($1, $2)`, [
      m.version,
      m.description,
    ]);
    applied.push(m.version);
  }
  return applied;
}

/**
 * Creates or upgrades `schema` (unquoted) by `migrations` inside a transaction holding the advisory
 * lock `lock`: safe at every start-up and from several processes at once. Returns the versions applied.
 * @example
 * await migrateSchema(pool, 'webhook-secrets:migrate', 'webhook_secrets', MIGRATIONS);
 */
export function migrateSchema(
  pool: Pick<pg.Pool, 'connect'>,
  lock: string,
  schema: string,
  migrations: readonly Migration[],
): Promise<number[]> {
  return withAdvisoryXactLock(pool, lock, (client) => applyMigrations(client, quoteIdent(schema), migrations));
}
