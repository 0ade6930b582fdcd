import type { RecordAggregate } from '@publisher/domain';
import type { EventStore, Position } from '@publisher/event-store';
import { type CommandDeps, loadAggregate } from './command-handler.ts';

/** An existing record as the event store holds it now. */
export interface ReadRecord<Existing> {
  record: Existing;
  revision: number;
  /** Position of the record's last event. */
  position: Position;
}

/**
 * Reads a record for a GET: always from the store (never the state cache, which another instance
 * may have left behind), folded with the domain's evolve. The folded state then refreshes the cache,
 * so a command that follows the read (the usual next step) skips its own read.
 * @example
 * const found = await readAggregate({ store, cache }, deployments, id); // null: no such stream
 */
export async function readAggregate<
  State extends { status: string },
  Existing extends State,
  Command,
  Event extends { type: string; data: unknown },
>(
  deps: { store: Pick<EventStore, 'readStream'>; cache: CommandDeps<State>['cache'] },
  spec: RecordAggregate<State, Existing, Command, Event, unknown>,
  id: string,
): Promise<ReadRecord<Existing> | null> {
  const { state, revision, position } = await loadAggregate(deps.store, spec, id);
  if (!spec.exists(state) || position === null) return null;
  deps.cache.set(spec.stream(id), { state, revision });
  return { record: state, revision, position };
}

/** `readAggregate` of a record this request (or an earlier one with its key) created: absent is a bug, not a 404. */
export async function readCreated<
  State extends { status: string },
  Existing extends State,
  Command,
  Event extends { type: string; data: unknown },
>(
  deps: Pick<CommandDeps<State>, 'store' | 'cache'>,
  spec: RecordAggregate<State, Existing, Command, Event, unknown>,
  id: string,
): Promise<ReadRecord<Existing>> {
  const found = await readAggregate(deps, spec, id);
  if (!found) throw new Error(`${spec.label} ${id} vanished after its creation`);
  return found;
}
