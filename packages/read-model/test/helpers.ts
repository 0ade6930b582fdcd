import { randomUUID } from 'node:crypto';
import type { DeploymentRow, PublishingRecordRow, WithDocument } from '../src/index.ts';

let clock = Date.parse('2024-05-01T00:00:00.000Z');
/** Strictly increasing ISO timestamps, one second apart. */
const tick = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

/**
 * A row with its document as the projector writes it: the row's representation fields (all but
 * the bookkeeping) as JSON, in the order the row lists them.
 */
function withDocument<Row extends { last_position: string; deleted?: boolean; document?: string }>(
  row: Row,
): WithDocument<Row> {
  const { last_position: _, deleted: __, document: ___, ...representation } = row;
  return { ...row, document: JSON.stringify(representation) };
}

/** A row (its document rendered from its fields, whatever `over` brings). */
export function recordRow(over: Partial<WithDocument<PublishingRecordRow>> = {}): WithDocument<PublishingRecordRow> {
  const at = tick();
  return withDocument({
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
    metadata: { k: 'v', quote: 'a "b" \\ c' },
    revision: 0,
    created_at: at,
    updated_at: at,
    published_at: null,
    deleted: false,
    last_position: '0000000000000001-0000000000000001',
    ...over,
  });
}

export function deploymentRow(over: Partial<WithDocument<DeploymentRow>> = {}): WithDocument<DeploymentRow> {
  const at = tick();
  return withDocument({
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
  });
}

/** The ids of a page's documents, in order. */
export const idsOf = (page: { documents: string }): string[] =>
  (JSON.parse(page.documents) as Array<{ id: string }>).map((d) => d.id);
