import type { Deployment, PublishingRecord } from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import type { DeploymentRow, PublishingRecordRow, WithDocument } from '@publisher/read-model';
import { isPoisonEvent, PoisonEventError } from '../errors.ts';
import { type DecodedEvent, decodeEvent } from './decode.ts';
import { deploymentFromRow, deploymentRow, projectDeployment } from './deployments.ts';
import type { Outcome, Projected } from './fold.ts';
import { projectPublishingRecord, publishingRecordFromRow, publishingRecordRow } from './publishing-records.ts';

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

/** The states a batch starts from, by id (absent: not created yet). */
export interface CurrentStates {
  records: ReadonlyMap<string, Projected<PublishingRecord>>;
  deployments: ReadonlyMap<string, Projected<Deployment>>;
}

/** What folding a batch did: the records and deployments it changed (states or rows), and how far it got. */
interface Folded<R, D> {
  /** After the batch, by id: only those it changed. */
  records: Map<string, R>;
  deployments: Map<string, D>;
  /** Last event whose effect is included (applied, ignored, skipped or already applied); null: none. */
  last: RecordedEvent | null;
  /** Events processed (everything before the poison, if any). */
  processed: number;
  poison: PoisonEventError | null;
}

export type FoldedStates = Folded<Projected<PublishingRecord>, Projected<Deployment>>;

/** Rows to write (final state after the batch, with their documents). */
export type BatchResult = Folded<WithDocument<PublishingRecordRow>, WithDocument<DeploymentRow>>;

/**
 * Folds a planned batch over the rows it touches into the rows to write. Stops at the first event
 * it cannot apply, keeping the effects of the events before it. Pure.
 */
export function foldBatch(plan: BatchPlan, loaded: LoadedRows): BatchResult {
  const current: CurrentStates = {
    records: mapValues(loaded.records, publishingRecordFromRow),
    deployments: mapValues(loaded.deployments, deploymentFromRow),
  };
  const folded = foldStates(plan, current);
  return {
    ...folded,
    records: mapValues(folded.records, publishingRecordRow),
    deployments: mapValues(folded.deployments, deploymentRow),
  };
}

/**
 * Folds a planned batch over the states it starts from, with the domain's evolve (the one fold of
 * the projections; rows and documents are made from its states). Stops at the first event it
 * cannot apply, keeping the effects of the events before it. Pure.
 */
export function foldStates(plan: BatchPlan, current: CurrentStates): FoldedStates {
  const result: FoldedStates = { records: new Map(), deployments: new Map(), last: null, processed: 0, poison: null };
  const { records, deployments } = result;
  for (const { event, decoded } of plan.items) {
    const place = { revision: event.revision, position: event.position };
    let outcome: Outcome<unknown> = { kind: 'unchanged' };
    if (decoded.kind === 'publishing_record') {
      const o = projectPublishingRecord(
        records.get(decoded.id) ?? current.records.get(decoded.id),
        decoded.event,
        place,
      );
      if (o.kind === 'changed') records.set(decoded.id, o.projected);
      outcome = o;
    } else if (decoded.kind === 'deployment') {
      const o = projectDeployment(
        deployments.get(decoded.id) ?? current.deployments.get(decoded.id),
        decoded.event,
        place,
      );
      if (o.kind === 'changed') deployments.set(decoded.id, o.projected);
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

/** A map with each value transformed (rows to states and back). */
export function mapValues<K, A, B>(from: ReadonlyMap<K, A>, f: (a: A) => B): Map<K, B> {
  const out = new Map<K, B>();
  for (const [k, v] of from) out.set(k, f(v));
  return out;
}
