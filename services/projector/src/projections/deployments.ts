import type { DeploymentEvent } from '@publisher/domain';
import type { DeploymentRow } from '@publisher/read-model';
import { canonicalTime, type EventPlace, type RowOutcome } from './publishing-records.ts';

/**
 * The deployments projection: given the current row (or none) and one event of its stream, the
 * row after the event. Pure. The per-site view is an SQL view over these rows.
 * @example
 * projectDeployment(row, { type: 'DeploymentSucceeded', data }, { revision: 2, position })
 * // { kind: 'changed', row: { status: 'deployed', deployment_url, deployed_at, … } }
 */
export function projectDeployment(
  row: DeploymentRow | undefined,
  event: DeploymentEvent,
  place: EventPlace,
): RowOutcome<DeploymentRow> {
  if (row !== undefined && place.revision <= row.revision) return { kind: 'unchanged' };
  if (event.type === 'DeploymentCreated') {
    if (row !== undefined) return { kind: 'unchanged' };
    const d = event.data;
    const at = canonicalTime(d.at);
    return {
      kind: 'changed',
      row: {
        id: d.deployment_id.toLowerCase(),
        account_id: d.account_id,
        site_id: d.site_id,
        sector_id: d.sector_id,
        version: d.version,
        status: 'pending',
        deployment_url: null,
        error_message: null,
        metadata: d.metadata,
        revision: place.revision,
        created_at: at,
        updated_at: at,
        deployed_at: null,
        rolled_back_at: null,
        last_position: place.position,
      },
    };
  }
  if (row === undefined) return { kind: 'missing' };
  const at = canonicalTime(event.data.at);
  const base = { ...row, revision: place.revision, last_position: place.position, updated_at: at };
  switch (event.type) {
    case 'DeploymentUpdated':
      return { kind: 'changed', row: { ...base, metadata: event.data.changes.metadata } };
    case 'DeploymentCancelled':
      return { kind: 'changed', row: { ...base, status: 'cancelled' } };
    case 'DeploymentStarted':
      return { kind: 'changed', row: { ...base, status: 'deploying' } };
    case 'DeploymentSucceeded':
      return {
        kind: 'changed',
        row: { ...base, status: 'deployed', deployment_url: event.data.deployment_url, deployed_at: at },
      };
    case 'DeploymentFailed':
      return { kind: 'changed', row: { ...base, status: 'failed', error_message: event.data.error } };
    case 'DeploymentRolledBack':
      return { kind: 'changed', row: { ...base, status: 'rolled_back', rolled_back_at: at } };
    case 'DeploymentRepublishRequested':
      // A re-drive changes no field: only the revision and position move (see the domain's evolve).
      return { kind: 'changed', row: { ...row, revision: place.revision, last_position: place.position } };
    default: {
      const never: never = event;
      throw new Error(`unhandled deployment event ${JSON.stringify(never)}`);
    }
  }
}
