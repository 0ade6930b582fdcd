import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { type CheckpointNotice, checkpointNoticeSql, type ReadModelDatabase } from '@publisher/read-model';
import { signTestToken } from '@publisher/testing';
import { type Kysely, sql } from 'kysely';
import { loadReadApiConfig, type ReadApiConfig } from '../src/config.ts';

export { deploymentRow, recordRow } from '../../../packages/read-model/test/helpers.ts';

export function config(databaseUrl: string, env: NodeJS.ProcessEnv = {}): ReadApiConfig {
  return loadReadApiConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', ...env });
}

/** `authorization` header for a user. */
export function auth(account_id: number, role = 'viewer', site_ids?: number[]): { authorization: string } {
  const claims = { sub: `user-${account_id}-${role}`, account_id, role, ...(site_ids && { site_ids }) };
  return { authorization: `Bearer ${signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET })}` };
}

/** Announces a checkpoint as the projector does (its NOTIFY), on `db`'s connection or transaction. */
export async function notifyCheckpoint(db: Kysely<ReadModelDatabase>, notice: CheckpointNotice): Promise<void> {
  await sql.raw(checkpointNoticeSql(notice)).execute(db);
}
