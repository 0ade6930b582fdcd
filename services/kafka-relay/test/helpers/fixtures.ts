/**
 * Writes real domain events (through the deciders, as the command side does) so relay tests see the
 * shapes production produces, not hand-written look-alikes.
 */
import { randomUUID } from 'node:crypto';
import {
  type DeploymentCommand,
  type DeploymentState,
  decideDeployment,
  decidePublishingRecord,
  decideReserveDeployment,
  deploymentAggregate,
  deploymentCreatedEventId,
  deploymentCreatedFromReservation,
  deploymentStream,
  evolvePublishingRecord,
  foldRecord,
  foldSiteDeployments,
  initialPublishingRecordState,
  type PublishingRecordCommand,
  type PublishingRecordState,
  publishingRecordAggregate,
  publishingRecordStream,
  siteDeploymentsExpectedRevision,
  siteDeploymentsStream,
} from '@publisher/domain';
import type { AppendResult, EventMetadata, EventStore, NewEvent } from '@publisher/event-store';

/** A stream's state, folded as the command handler folds it (a type this code does not know throws). */
export const foldPublishingRecord = (events: readonly { type: string }[]): PublishingRecordState =>
  foldRecord(publishingRecordAggregate, events, 'throw');
export const foldDeployment = (events: readonly { type: string }[]): DeploymentState =>
  foldRecord(deploymentAggregate, events, 'throw');

export interface Tenant {
  account_id: number;
  site_id: number;
  sector_id: number | null;
}

export function metadata(tenant: Tenant, overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    correlation_id: `corr-${randomUUID()}`,
    causation_id: null,
    actor: { user_id: 'user-1', role: 'editor' },
    tenant,
    request_id: `req-${randomUUID()}`,
    occurred_at: new Date().toISOString(),
    schema_version: 1,
    ...overrides,
  };
}

/** Runs one command against a publishing record stream (read, fold, decide, append). */
export async function execPublishing(
  store: EventStore,
  recordId: string,
  tenant: Tenant,
  command: PublishingRecordCommand,
  meta: Partial<EventMetadata> = {},
): Promise<AppendResult & { ids: string[] }> {
  const stream = publishingRecordStream(recordId);
  const history = await store.readStream(stream);
  const state = foldPublishingRecord(history);
  const md = metadata(tenant, meta);
  const events = decidePublishingRecord(command, state, { at: md.occurred_at });
  const news: NewEvent[] = events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: md }));
  const expected = history.length === 0 ? 'no_stream' : history.length - 1;
  const result = await store.append(stream, news, expected);
  return { ...result, ids: news.map((e) => e.id) };
}

export function createCommand(recordId: string, tenant: Tenant, contentId = 42): PublishingRecordCommand {
  return {
    type: 'CreatePublishingRecord',
    data: {
      record_id: recordId,
      account_id: tenant.account_id,
      site_id: tenant.site_id,
      sector_id: tenant.sector_id ?? 1,
      content_id: contentId,
      destination: 'webhook',
      destination_config: { url: 'http://127.0.0.1:9/hook' },
      metadata: { title: 'Hello' },
    },
  };
}

/** A full life: create, start, fail, retry, start, succeed (6 events). */
export function lifecycleCommands(recordId: string, tenant: Tenant): PublishingRecordCommand[] {
  return [
    createCommand(recordId, tenant),
    { type: 'StartPublishing', data: {} },
    { type: 'FailPublishing', data: { error: 'destination said 500' } },
    { type: 'RetryPublishing', data: {} },
    { type: 'StartPublishing', data: {} },
    { type: 'SucceedPublishing', data: { external_url: `https://example.test/p/${recordId}`, external_id: 'p-1' } },
  ];
}

/** Creates a deployment through the site ledger (reservation, then DeploymentCreated), as the command side does. */
export async function createDeployment(
  store: EventStore,
  tenant: Tenant,
  deploymentId = randomUUID(),
): Promise<{ id: string; reservedEventId: string; createdEventId: string; version: number }> {
  const ledgerStream = siteDeploymentsStream(tenant.account_id, tenant.site_id);
  const ledgerEvents = await store.readStream(ledgerStream);
  const ledger = foldSiteDeployments(ledgerEvents as never);
  const lastId = ledger.last?.deployment_id;
  const lastStatus = lastId ? foldDeployment(await store.readStream(deploymentStream(lastId))) : null;
  const md = metadata(tenant);
  const reserved = decideReserveDeployment(
    ledger,
    lastStatus === null ? null : lastStatus.status === 'initial' ? 'missing' : lastStatus.status,
    { type: 'ReserveDeploymentVersion', data: { deployment_id: deploymentId, ...tenant, metadata: {} } },
    { at: md.occurred_at },
  );
  const reservedEventId = randomUUID();
  await store.append(
    ledgerStream,
    [{ id: reservedEventId, type: reserved.type, data: reserved.data, metadata: md }],
    siteDeploymentsExpectedRevision(ledger),
  );
  const created = deploymentCreatedFromReservation(reserved.data);
  const createdEventId = deploymentCreatedEventId(reserved.data);
  await store.append(
    deploymentStream(deploymentId),
    [{ id: createdEventId, type: created.type, data: created.data, metadata: md }],
    'no_stream',
  );
  return { id: deploymentId, reservedEventId, createdEventId, version: reserved.data.version };
}

export async function execDeployment(
  store: EventStore,
  deploymentId: string,
  tenant: Tenant,
  command: DeploymentCommand,
): Promise<AppendResult & { ids: string[] }> {
  const stream = deploymentStream(deploymentId);
  const history = await store.readStream(stream);
  const md = metadata(tenant);
  const events = decideDeployment(command, foldDeployment(history), { at: md.occurred_at });
  const news: NewEvent[] = events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: md }));
  const result = await store.append(stream, news, history.length - 1);
  return { ...result, ids: news.map((e) => e.id) };
}

/**
 * Appends a record's whole life (6 events) in one append: the same events the commands would
 * produce, written fast enough to build large backlogs.
 */
export async function appendLifecycle(store: EventStore, recordId: string, tenant: Tenant): Promise<string[]> {
  let state = initialPublishingRecordState as PublishingRecordState;
  const news: NewEvent[] = [];
  const md = metadata(tenant);
  for (const command of lifecycleCommands(recordId, tenant)) {
    for (const e of decidePublishingRecord(command, state, { at: md.occurred_at })) {
      news.push({ id: randomUUID(), type: e.type, data: e.data, metadata: md });
      state = evolvePublishingRecord(state, e);
    }
  }
  await store.append(publishingRecordStream(recordId), news, 'no_stream');
  return news.map((n) => n.id);
}

/** Runs `count` tasks with at most `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
