/**
 * The oracle for integration tests: folds every stream of the log, one event at a time and in one
 * go (not in the projector's batches, checkpoints and restarts), with the domain's evolve functions,
 * and shapes the result like read-model rows — the fields written out here, and the document as
 * the JSON of those fields — so a projector that loses, repeats or misplaces an event, or stores a
 * row or document other than the representation, differs from it.
 */
import {
  type DeploymentEvent,
  evolveDeployment,
  evolvePublishingRecord,
  initialDeploymentState,
  initialPublishingRecordState,
  type PublishingRecordEvent,
} from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import type { DeploymentRow, PublishingRecordRow, ReadModelDatabase, WithDocument } from '@publisher/read-model';
import type { Kysely } from 'kysely';

const iso = (s: string) => new Date(s).toISOString();

/** The row with its document: the JSON of the row's fields but the bookkeeping, in order. */
function withDocument<Row extends { last_position: string; deleted?: boolean }>(row: Row): WithDocument<Row> {
  const { last_position: _, deleted: __, ...representation } = row;
  return { ...row, document: JSON.stringify(representation) };
}

export async function foldAllEvents(store: EventStore) {
  const records = new Map<string, WithDocument<PublishingRecordRow>>();
  const deployments = new Map<string, WithDocument<DeploymentRow>>();
  const recordStates = new Map<string, ReturnType<typeof evolvePublishingRecord>>();
  const deploymentStates = new Map<string, ReturnType<typeof evolveDeployment>>();
  let after: string | null = null;
  for (;;) {
    const batch = await store.readAll({ after, limit: 5000 });
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.position;
    for (const e of batch) {
      if (e.stream.startsWith('publishing_record-')) {
        const id = e.stream.slice('publishing_record-'.length);
        const s = evolvePublishingRecord(recordStates.get(id) ?? initialPublishingRecordState, {
          type: e.type,
          data: e.data,
        } as PublishingRecordEvent);
        recordStates.set(id, s);
        if (s.status === 'initial') continue;
        records.set(
          id,
          withDocument({
            id,
            account_id: s.account_id,
            site_id: s.site_id,
            sector_id: s.sector_id,
            content_id: s.content_id,
            destination: s.destination,
            destination_config: s.destination_config,
            status: s.status,
            external_url: s.external_url,
            external_id: s.external_id,
            error_message: s.error_message,
            attempts: s.attempts,
            metadata: s.metadata,
            revision: e.revision,
            created_at: iso(s.created_at),
            updated_at: iso(s.updated_at),
            published_at: s.published_at && iso(s.published_at),
            deleted: s.deleted,
            last_position: e.position,
          }),
        );
      } else if (e.stream.startsWith('deployment-')) {
        const id = e.stream.slice('deployment-'.length);
        const s = evolveDeployment(deploymentStates.get(id) ?? initialDeploymentState, {
          type: e.type,
          data: e.data,
        } as DeploymentEvent);
        deploymentStates.set(id, s);
        if (s.status === 'initial') continue;
        deployments.set(
          id,
          withDocument({
            id,
            account_id: s.account_id,
            site_id: s.site_id,
            sector_id: s.sector_id,
            version: s.version,
            status: s.status,
            deployment_url: s.deployment_url,
            error_message: s.error_message,
            metadata: s.metadata,
            revision: e.revision,
            created_at: iso(s.created_at),
            updated_at: iso(s.updated_at),
            deployed_at: s.deployed_at && iso(s.deployed_at),
            rolled_back_at: s.rolled_back_at && iso(s.rolled_back_at),
            last_position: e.position,
          }),
        );
      }
    }
  }
  return { records, deployments, head: after };
}

/** Every row of the read models (deleted ones included) with its document, keyed by id. */
export async function loadAllRows(db: Kysely<ReadModelDatabase>) {
  const records = new Map<string, WithDocument<PublishingRecordRow>>();
  const deployments = new Map<string, WithDocument<DeploymentRow>>();
  for (const r of await db.selectFrom('publishing_records').selectAll().execute()) records.set(r.id, r);
  for (const r of await db.selectFrom('deployments').selectAll().execute()) deployments.set(r.id, r);
  return { records, deployments };
}
