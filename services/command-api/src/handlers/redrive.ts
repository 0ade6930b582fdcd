import { randomUUID } from 'node:crypto';
import type { ReplayedEvent } from '@publisher/contracts';
import type { RecordAggregate } from '@publisher/domain';
import { republishRequestEventTypes } from '@publisher/domain';
import type { Position } from '@publisher/event-store';
import { canRead, canReadAnyAccount, canWrite, httpError, type Principal, type Tenant } from '@publisher/platform';
import { type IfMatch, ifMatchSatisfied } from '../if-match.ts';
import type { CommandContext } from '../metadata.ts';
import { type CommandDeps, executeCommand, loadAggregate } from './command-handler.ts';

/*
 * Re-drives: support commands that re-send or re-deliver what a record already holds. They run
 * through the same decide → append path as every command (so they are events in the record's
 * stream, with actor and request metadata), with their own role rule and a dry run.
 */

export type RedriveAction = 'republish' | 'redeliver';

/**
 * Who may run a re-drive, checked before anything is read (a refused caller learns nothing):
 *
 * | role | republish | redeliver |
 * |---|---|---|
 * | viewer | 403 | 403 |
 * | editor, admin, owner | 403 | own account |
 * | support, developer, system_bot | any account | any account |
 *
 * A redelivery is the retry writers may already run, with a reason recorded; a republish sends
 * every consumer duplicates, which is the platform's business, not one tenant's.
 */
export function assertMayRedrive(principal: Principal, action: RedriveAction): void {
  const privileged = canReadAnyAccount(principal);
  const allowed = privileged || (action === 'redeliver' && canWrite(principal));
  if (!allowed) throw httpError('ROLE_FORBIDDEN', `role ${principal.role} may not ${action}`);
}

/** On the loaded record: invisible to the caller (another account or site) → 404. */
function assertMayRedriveRecord(principal: Principal, tenant: Tenant, notFound: () => Error): void {
  if (!canRead(principal, tenant)) throw notFound();
}

export interface RedriveInput<Command> {
  id: string;
  action: RedriveAction;
  /** Builds the command; a republish gets the replay id to carry. */
  command: (replayId: string) => Command;
  dryRun: boolean;
  ifMatch: IfMatch | null;
  ctx: CommandContext;
}

export interface RedriveOutcome<Existing> {
  record: Existing;
  revision: number;
  /** null on a dry run: nothing was appended. */
  position: Position | null;
  event: { id: string | null; type: string; data: Record<string, unknown> };
  /** Republish only. */
  replay?: { replay_id: string | null; events: ReplayedEvent[] };
}

/**
 * Runs (or, with `dryRun`, previews) a re-drive on one record. A dry run reads the stream afresh,
 * applies the same checks and decider, and returns what would be appended, without appending.
 * @example
 * const out = await runRedrive(deps, publishingRecordAggregate, { id, action: 'redeliver', command: () => cmd, dryRun, ifMatch, ctx });
 */
export async function runRedrive<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event extends { type: string; data: unknown },
>(
  deps: CommandDeps<State>,
  spec: RecordAggregate<State, Existing, Command, Event, unknown>,
  input: RedriveInput<Command>,
): Promise<RedriveOutcome<Existing>> {
  const notFound = () => httpError('RECORD_NOT_FOUND', `${spec.label} ${input.id} not found`);
  const authorize = (record: Existing) => assertMayRedriveRecord(input.ctx.principal, record, notFound);
  const replayId = input.dryRun ? null : randomUUID();
  // The decider only needs a well-formed id; a dry run's is never stored or shown.
  const command = input.command(replayId ?? '00000000-0000-4000-8000-000000000000');

  if (input.dryRun) {
    const { state, revision } = await loadAggregate(deps.store, spec, input.id);
    if (!spec.exists(state)) throw notFound();
    authorize(state);
    if (input.ifMatch && !ifMatchSatisfied(input.ifMatch, revision)) {
      throw httpError('PRECONDITION_FAILED', `If-Match does not match the ${spec.label}'s revision ${revision}`);
    }
    const now = deps.now ?? (() => new Date());
    const [event] = spec.decide(command, state, { at: now().toISOString() });
    if (!event) throw new Error(`${input.action} decided no event`);
    const record = spec.evolve(state, event);
    if (!spec.exists(record)) throw new Error(`${input.action} left no ${spec.label}`);
    return {
      record,
      revision: revision + 1,
      position: null,
      event: { id: null, type: event.type, data: withoutReplayId(event.data) },
      ...(input.action === 'republish' && {
        replay: { replay_id: null, events: await replayed(deps, spec, input.id) },
      }),
    };
  }

  const result = await executeCommand(deps, spec, {
    id: input.id,
    command,
    ifMatch: input.ifMatch,
    ctx: input.ctx,
    authorize,
  });
  const [event] = result.events;
  if (!event) throw new Error(`${input.action} appended no event`);
  return {
    record: result.record,
    revision: result.revision,
    position: result.position,
    event,
    ...(input.action === 'republish' && {
      replay: { replay_id: replayId, events: await replayed(deps, spec, input.id, result.revision) },
    }),
  };
}

/**
 * The events a republish sends again: the stream's events before the request (`before`; all on a
 * dry run), except earlier republish requests, which are never published. The relay reads the
 * same stream the same way when it meets the request in the log.
 */
async function replayed<State extends { status: string }>(
  deps: CommandDeps<State>,
  spec: { stream: (id: string) => string },
  id: string,
  before = Number.POSITIVE_INFINITY,
): Promise<ReplayedEvent[]> {
  const events = await deps.store.readStream(spec.stream(id));
  return events
    .filter((e) => e.revision < before && !republishRequestEventTypes.has(e.type))
    .map((e) => ({ event_id: e.id, type: e.type, revision: e.revision, position: e.position }));
}

/** A dry run's event carries the placeholder replay id: leave it out rather than show a fake one. */
function withoutReplayId(data: unknown): Record<string, unknown> {
  const { replay_id: _placeholder, ...rest } = data as Record<string, unknown>;
  return rest;
}
