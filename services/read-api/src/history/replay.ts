import { occurredAt, type RecordedEvent } from '@publisher/event-store';
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
 * representation, yielding the record after each event from revision `from` on (the events before
 * it are folded, not represented): the one fold history and as-of reads use. An event type the
 * domain does not know leaves the state as it is, so it shows with no changes.
 * @example
 * for (const step of replay(publishingRecordHistory, events)) console.log(step.event.type, step.changes);
 */
export function* replay<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  events: Iterable<RecordedEvent>,
  from = 0,
): Generator<ReplayStep<Representation>> {
  let state = aggregate.initial;
  let before: Representation | null = null;
  for (const event of events) {
    state = aggregate.evolve(state, event);
    if (event.revision < from - 1) continue;
    const after = aggregate.represent(state, event.revision);
    if (event.revision >= from) {
      yield { event, state: after, changes: diff(before, after), deleted: aggregate.deleted(state) };
    }
    before = after;
  }
}

/** A record as it was after some event of its stream. */
export interface RecordThen<Representation> {
  /** The last event folded. */
  event: RecordedEvent;
  state: Representation | null;
  deleted: boolean;
}

/**
 * The record as it was at `until` (a canonical ISO time, see `occurredAt`; null: after every event
 * given): its events folded in stream order up to the last one that occurred by then, represented
 * once. Undefined when its first event is later.
 * @example
 * const then = foldUntil(publishingRecordHistory, events, '2024-05-01T14:03:00.000Z');
 */
export function foldUntil<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  events: Iterable<RecordedEvent>,
  until: string | null,
): RecordThen<Representation> | undefined {
  let state = aggregate.initial;
  let last: RecordedEvent | undefined;
  for (const event of events) {
    // Canonical ISO times of years 1–9999 order as strings.
    if (until !== null && occurredAt(event) > until) break;
    state = aggregate.evolve(state, event);
    last = event;
  }
  if (last === undefined) return undefined;
  return { event: last, state: aggregate.represent(state, last.revision), deleted: aggregate.deleted(state) };
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
    // Most fields are strings, numbers or null: compared as they are; objects by their JSON.
    if (b === a) continue;
    if (typeof b !== 'object' || typeof a !== 'object' || JSON.stringify(b) !== JSON.stringify(a))
      changes[field] = [b, a];
  }
  return changes;
}
