import type { RecordedEvent } from '@publisher/event-store';
import type { DeploymentRow, PublishingRecordRow } from '@publisher/read-model';
import { isPoisonEvent, PoisonEventError } from '../errors.ts';
import { type DecodedEvent, decodeEvent } from './decode.ts';
import { projectDeployment } from './deployments.ts';
import { projectPublishingRecord, type RowOutcome } from './publishing-records.ts';

/** A batch, decoded up to (not including) its first poison event. */
export interface BatchPlan {
  items: Array<{ event: RecordedEvent; decoded: DecodedEvent | { kind: 'skipped' } }>;
  poison: PoisonEventError | null;
  /** Rows the batch touches, to load before folding. */
  record_ids: string[];
  deployment_ids: string[];
}

/**
 * Decodes a batch. Events an operator chose to skip are kept as `skipped` (they still advance the
 * checkpoint). Pure.
 * @example
 * const plan = planBatch(events, new Set());
 * const rows = await load(plan.record_ids, plan.deployment_ids);
 * const result = foldBatch(plan, rows);
 */
export function planBatch(events: readonly RecordedEvent[], skipped: ReadonlySet<string>): BatchPlan {
  const plan: BatchPlan = { items: [], poison: null, record_ids: [], deployment_ids: [] };
  const records = new Set<string>();
  const deployments = new Set<string>();
  for (const event of events) {
    if (skipped.has(event.id)) {
      plan.items.push({ event, decoded: { kind: 'skipped' } });
      continue;
    }
    let decoded: DecodedEvent;
    try {
      decoded = decodeEvent(event);
    } catch (err) {
      if (!isPoisonEvent(err)) throw err;
      plan.poison = err;
      break;
    }
    if (decoded.kind === 'publishing_record') records.add(decoded.id);
    if (decoded.kind === 'deployment') deployments.add(decoded.id);
    plan.items.push({ event, decoded });
  }
  plan.record_ids = [...records];
  plan.deployment_ids = [...deployments];
  return plan;
}

export interface LoadedRows {
  records: ReadonlyMap<string, PublishingRecordRow>;
  deployments: ReadonlyMap<string, DeploymentRow>;
}

export interface BatchResult {
  /** Rows to write (final state after the batch), keyed by id. */
  records: Map<string, PublishingRecordRow>;
  deployments: Map<string, DeploymentRow>;
  /** Last event whose effect is included (applied, ignored, skipped or already applied); null: none. */
  last: RecordedEvent | null;
  /** Events processed (everything before the poison, if any). */
  processed: number;
  poison: PoisonEventError | null;
}

/**
 * Folds a planned batch over the rows it touches. Stops at the first event it cannot apply, keeping
 * the effects of the events before it. Pure.
 */
export function foldBatch(plan: BatchPlan, loaded: LoadedRows): BatchResult {
  const records = new Map<string, PublishingRecordRow>();
  const deployments = new Map<string, DeploymentRow>();
  const result: BatchResult = { records, deployments, last: null, processed: 0, poison: null };
  for (const { event, decoded } of plan.items) {
    const place = { revision: event.revision, position: event.position };
    let outcome: RowOutcome<unknown> = { kind: 'unchanged' };
    if (decoded.kind === 'publishing_record') {
      const o = projectPublishingRecord(
        records.get(decoded.id) ?? loaded.records.get(decoded.id),
        decoded.event,
        place,
      );
      if (o.kind === 'changed') records.set(decoded.id, o.row);
      outcome = o;
    } else if (decoded.kind === 'deployment') {
      const o = projectDeployment(
        deployments.get(decoded.id) ?? loaded.deployments.get(decoded.id),
        decoded.event,
        place,
      );
      if (o.kind === 'changed') deployments.set(decoded.id, o.row);
      outcome = o;
    }
    if (outcome.kind === 'missing') {
      result.poison = new PoisonEventError(
        event,
        `no ${decoded.kind.replace('_', ' ')} ${event.stream} to apply it to`,
      );
      return result;
    }
    result.last = event;
    result.processed += 1;
  }
  result.poison = plan.poison;
  return result;
}
