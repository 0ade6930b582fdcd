import type { RecordAggregate } from '@publisher/domain';
import { foldRecord, isDomainError } from '@publisher/domain';
import { type EventStore, isWrongExpectedVersion, type NewEvent, type Position } from '@publisher/event-store';
import { httpError, newId } from '@publisher/platform';
import { type IfMatch, ifMatchSatisfied } from '../if-match.ts';
import { type CommandContext, eventMetadata } from '../metadata.ts';
import { backOffOrGiveUp } from './conflict-retry.ts';
import type { StateCache } from './state-cache.ts';

/** The record after a command, its revision (ETag) and the position of its last event. */
export interface CommandResult<Existing> {
  record: Existing;
  revision: number;
  position: Position;
}

/** What `executeCommand` resolves: the result plus the events it appended, with their ids. */
export interface ExecutedCommand<Existing> extends CommandResult<Existing> {
  events: Array<{ id: string; type: string; data: Record<string, unknown> }>;
}

export interface CommandDeps<State> {
  store: EventStore;
  cache: StateCache<State>;
  /** Attempts before a command that keeps losing races answers 409. */
  maxAttempts: number;
  now?: () => Date;
}

export interface CommandInput<State extends { status: string }, Existing extends State, Command> {
  id: string;
  command: Command;
  ifMatch: IfMatch | null;
  ctx: CommandContext;
  /** Tenancy check on the loaded record: throws 404 (not visible) or 403 (may not write). */
  authorize: (record: Existing) => void;
}

interface Loaded<State> {
  state: State;
  revision: number;
  /** True when read from the store in this attempt, false when taken from the cache. */
  fresh: boolean;
}

/**
 * Loads a stream and folds it; `revision` -1 and `position` null for a stream without events.
 * `toRevision` stops the read there (a stored response is rebuilt from the record as it was then).
 * @example
 * const { state, revision } = await loadAggregate(store, publishingRecordAggregate, id);
 */
export async function loadAggregate<State extends { status: string }, Event extends { type: string }>(
  store: Pick<EventStore, 'readStream'>,
  spec: Pick<
    RecordAggregate<State, State, unknown, Event, unknown>,
    'label' | 'stream' | 'initial' | 'evolve' | 'isEvent'
  >,
  id: string,
  options: { toRevision?: number } = {},
): Promise<{ state: State; revision: number; position: Position | null }> {
  const { toRevision } = options;
  const events = await store.readStream(
    spec.stream(id),
    toRevision === undefined ? undefined : { from: 'start', limit: toRevision + 1 },
  );
  // A type this code does not know (written by a newer version): deciding on a partial fold, or
  // rebuilding a response from one, would be wrong.
  const state = foldRecord(spec, events, 'throw');
  const last = events[events.length - 1];
  return { state, revision: last?.revision ?? -1, position: last?.position ?? null };
}

/**
 * Runs one command on an existing record: read (or take from the cache) → fold → authorize →
 * check If-Match → decide → append with the expected revision.
 *
 * - If-Match mismatch (against a fresh read) → 412; a conflict while appending is re-read and re-judged.
 * - Without If-Match a WRONG_EXPECTED_VERSION is retried against fresh state up to
 *   `maxAttempts` times, so a legal command survives a race and an illegal one still gets its 409.
 *
 * @example
 * const result = await executeCommand(deps, publishingRecordAggregate, {
 *   id, command: { type: 'StartPublishing', data: {} }, ifMatch: null, ctx, authorize,
 * });
 */
export async function executeCommand<
  State extends { status: string },
  Existing extends State,
  Command,
  Event extends { type: string; data: unknown },
>(
  deps: CommandDeps<State>,
  spec: RecordAggregate<State, Existing, Command, Event, unknown>,
  input: CommandInput<State, Existing, Command>,
): Promise<ExecutedCommand<Existing>> {
  const stream = spec.stream(input.id);
  const now = deps.now ?? (() => new Date());
  let forceFresh = false;
  let conflicts = 0;

  for (;;) {
    const cached = forceFresh ? undefined : deps.cache.get(stream);
    const loaded: Loaded<State> = cached
      ? { ...cached, fresh: false }
      : { ...(await loadAggregate(deps.store, spec, input.id)), fresh: true };
    forceFresh = false;
    const { state, revision } = loaded;

    if (!spec.exists(state)) throw httpError('RECORD_NOT_FOUND', `${spec.label} ${input.id} not found`);
    input.authorize(state);

    if (input.ifMatch && !ifMatchSatisfied(input.ifMatch, revision)) {
      if (!loaded.fresh) {
        forceFresh = true;
        continue;
      }
      throw httpError('PRECONDITION_FAILED', `If-Match does not match the ${spec.label}'s revision ${revision}`);
    }

    const at = now().toISOString();
    let events: Event[];
    try {
      events = spec.decide(input.command, state, { at });
    } catch (err) {
      // A refusal must be judged on the stored state, never on a possibly stale cache entry.
      if (isDomainError(err) && !loaded.fresh) {
        forceFresh = true;
        continue;
      }
      throw err;
    }

    const metadata = eventMetadata(input.ctx, spec.tenantOf(state), at);
    const toAppend: NewEvent[] = events.map((e) => ({
      id: newId(),
      type: e.type,
      data: e.data as Record<string, unknown>,
      metadata,
    }));
    try {
      const appended = await deps.store.append(stream, toAppend, revision);
      let next: State = state;
      for (const e of events) next = spec.evolve(next, e);
      deps.cache.set(stream, { state: next, revision: appended.next_revision });
      return {
        record: next as Existing,
        revision: appended.next_revision,
        position: appended.position,
        events: toAppend.map(({ id, type, data }) => ({ id, type, data })),
      };
    } catch (err) {
      if (!isWrongExpectedVersion(err)) throw err;
      deps.cache.delete(stream);
      // With If-Match too, a lost race is re-judged on a fresh read: `*` or a list naming the new
      // revision still holds, and a precondition that no longer holds gets its 412 at the top.
      forceFresh = true;
      conflicts += 1;
      await backOffOrGiveUp(err, conflicts, deps.maxAttempts, `the ${spec.label}`);
    }
  }
}
