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

/** What the fold knows right after one event of a stream. */
interface Folded<State, Representation> {
  state: State;
  representation: Representation | null;
  changes: Record<string, [unknown, unknown]>;
  deleted: boolean;
}

/**
 * Speed trick: the fold after each event, remembered per event object. The stream reader hands out
 * the same event objects for a cached stream (see `stream-cache.ts`), and a stream only grows, so
 * what the fold gave after an event never changes: a history page or an as-of read of a cached
 * stream folds, represents and diffs each event once, not on every read (folding is a large part of
 * a history or as-of request's CPU). Weak keys: an entry lives exactly as long as its
 * event stays cached (or in flight). Events read without the cache (`shared` false) are folded
 * without it: over a large store most reads are of streams nobody read lately, and remembering
 * their folds would only fill the weak maps with entries to clear (`pnpm bench:growth`, `history`). What
 * it trades: memory, about one representation and one state per cached event; and callers must treat
 * the states and changes they get as read-only, since later reads share them. Measure:
 * `pnpm bench:audit` (history, as-of) with `BENCH_BASELINE` set to a checkout without it.
 */
const memos = new WeakMap<object, WeakMap<RecordedEvent, Folded<unknown, unknown>>>();

/** The fold after each of the first `count` events of a stream (oldest first, from its first event). */
function foldEach<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  events: readonly RecordedEvent[],
  count: number,
  shared: boolean,
): Array<Folded<State, Representation>> {
  let memo = memos.get(aggregate) as WeakMap<RecordedEvent, Folded<State, Representation>> | undefined;
  if (!shared) memo = undefined;
  else if (memo === undefined) {
    memo = new WeakMap();
    memos.set(aggregate, memo as WeakMap<RecordedEvent, Folded<unknown, unknown>>);
  }
  const folded: Array<Folded<State, Representation>> = [];
  let previous: Folded<State, Representation> | undefined;
  for (const event of events.slice(0, count)) {
    let after = memo?.get(event);
    if (after === undefined) {
      const state = aggregate.evolve(previous?.state ?? aggregate.initial, event);
      const representation = aggregate.represent(state, event.revision);
      after = {
        state,
        representation,
        changes: diff(previous?.representation ?? null, representation),
        deleted: aggregate.deleted(state),
      };
      memo?.set(event, after);
    }
    folded.push(after);
    previous = after;
  }
  return folded;
}

/** Events to fold, and whether later reads get the same event objects (see `StreamRead.cached`). */
export interface FoldInput {
  events: readonly RecordedEvent[];
  /** True: remember each event's fold for later reads of the same objects. */
  shared: boolean;
}

/**
 * Folds a stream (oldest first, from its first event) through the domain's evolve and
 * representation, yielding the record after each event from revision `from` on: the one fold
 * history and as-of reads use. An event type the domain does not know leaves the state as it is, so
 * it shows with no changes. The steps are shared with later reads of the same events: read-only.
 * @example
 * for (const step of replay(publishingRecordHistory, { events, shared: read.cached })) console.log(step.changes);
 */
export function* replay<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  { events, shared }: FoldInput,
  from = 0,
): Generator<ReplayStep<Representation>> {
  const folded = foldEach(aggregate, events, events.length, shared);
  for (const [i, event] of events.entries()) {
    const after = folded[i];
    if (after === undefined || event.revision < from) continue;
    yield { event, state: after.representation, changes: after.changes, deleted: after.deleted };
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
 * given): its events folded in stream order up to the last one that occurred by then. Undefined
 * when its first event is later.
 * @example
 * const then = foldUntil(publishingRecordHistory, { events, shared: read.cached }, '2024-05-01T14:03:00.000Z');
 */
export function foldUntil<State extends { status: string }, Representation extends { revision: number }>(
  aggregate: HistoryAggregate<State, Representation>,
  { events, shared }: FoldInput,
  until: string | null,
): RecordThen<Representation> | undefined {
  // Canonical ISO times of years 1–9999 order as strings.
  const count = until === null ? events.length : events.findIndex((event) => occurredAt(event) > until);
  const last = count === -1 ? events.length : count;
  const event = events[last - 1];
  const after = foldEach(aggregate, events, last, shared).at(-1);
  if (event === undefined || after === undefined) return undefined;
  return { event, state: after.representation, deleted: after.deleted };
}

/** Field → [before, after] for every field whose JSON differs, `revision` left out. */
function diff(before: object | null, after: object | null): Record<string, [unknown, unknown]> {
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
