import { randomUUID } from 'node:crypto';
import { DEVELOPMENT_JWT_SECRET, signTestToken } from '@publisher/platform';
import type { DeploymentRow, PublishingRecordRow } from '@publisher/read-model';
import { loadReadApiConfig, type ReadApiConfig } from '../src/config.ts';

export function config(databaseUrl: string, env: NodeJS.ProcessEnv = {}): ReadApiConfig {
  return loadReadApiConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', ...env });
}

/** `authorization` header for a user. */
export function auth(account_id: number, role = 'viewer', site_ids?: number[]): { authorization: string } {
  const claims = { sub: `user-${account_id}-${role}`, account_id, role, ...(site_ids && { site_ids }) };
  return { authorization: `Bearer ${signTestToken(claims, { key: DEVELOPMENT_JWT_SECRET })}` };
}

let clock = Date.parse('2024-05-01T00:00:00.000Z');
export const tick = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

export function recordRow(over: Partial<PublishingRecordRow> = {}): PublishingRecordRow {
  const at = tick();
  return {
    id: randomUUID(),
    account_id: 1,
    site_id: 10,
    sector_id: 100,
    content_id: 1000,
    destination: 'webhook',
    destination_config: { url: 'https://example.test/hook' },
    status: 'pending',
    external_url: null,
    external_id: null,
    error_message: null,
    attempts: 0,
    metadata: {},
    revision: 0,
    created_at: at,
    updated_at: at,
    published_at: null,
    deleted: false,
    last_position: '0000000000000001-0000000000000001',
    ...over,
  };
}

export function deploymentRow(over: Partial<DeploymentRow> = {}): DeploymentRow {
  const at = tick();
  return {
    id: randomUUID(),
    account_id: 1,
    site_id: 10,
    sector_id: null,
    version: 1,
    status: 'pending',
    deployment_url: null,
    error_message: null,
    metadata: {},
    revision: 0,
    created_at: at,
    updated_at: at,
    deployed_at: null,
    rolled_back_at: null,
    last_position: '0000000000000001-0000000000000001',
    ...over,
  };
}
