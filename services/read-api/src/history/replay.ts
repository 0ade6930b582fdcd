import type { RecordedEvent } from '@publisher/event-store';
import type { HistoryAggregate } from './aggregates.ts';

/** A record right after one event of its stream. */
export interface ReplayStep<Representation> {
  event: RecordedEvent;
  /** The representation after the event; null while the record does not exist (before its create). */
  state: Representation | null;
  /** Fields whose value the event changed, as [before, after] (`revision` aside: every event moves it). */
  changes: Record<string, [unknown, unknown]>;
  deleted: boolean;
}

/**
 * Folds a stream (oldest first, from its first event) through the domain's evolve and
 * representation, yielding the record after each event: the one fold history and as-of reads use.
 * An event type the domain does not know leaves the state as it is, so it shows with no changes.
 * @example
 * for (const step of replay(publishingRecordHistory, events)) console.log(step.event.type, step.changes);
 */
export function* replay<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  events: Iterable<RecordedEvent>,
): Generator<ReplayStep<Representation>> {
  let state = aggregate.initial;
  let before: Representation | null = null;
  for (const event of events) {
    state = aggregate.evolve(state, event);
    const after = aggregate.represent(state, event.revision);
    yield { event, state: after, changes: diff(before, after), deleted: aggregate.deleted(state) };
    before = after;
  }
}

/**
 * The last step of a stream whose events occurred at or before `until` (ms since the epoch), in
 * stream order: the record as it was then. Undefined when its first event is later.
 * @example
 * const then = foldUntil(publishingRecordHistory, events, Date.parse('2024-05-01T14:03:00Z'));
 */
export function foldUntil<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  events: Iterable<RecordedEvent>,
  until: number,
): ReplayStep<Representation> | undefined {
  let found: ReplayStep<Representation> | undefined;
  for (const step of replay(aggregate, events)) {
    if (Date.parse(occurredAt(step.event)) > until) break;
    found = step;
  }
  return found;
}

/** Field → [before, after] for every field whose JSON differs, `revision` left out. */
export function diff(before: object | null, after: object | null): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  const b4 = (before ?? {}) as Record<string, unknown>;
  const now = (after ?? {}) as Record<string, unknown>;
  for (const field of new Set([...Object.keys(b4), ...Object.keys(now)])) {
    if (field === 'revision') continue;
    const b = b4[field] ?? null;
    const a = now[field] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes[field] = [b, a];
  }
  return changes;
}

/** The metadata time of an event, or the store's when the metadata has none. */
export function occurredAt(event: RecordedEvent): string {
  const at = Date.parse(event.metadata?.occurred_at ?? '');
  return Number.isNaN(at) ? event.recorded_at.toISOString() : new Date(at).toISOString();
}
