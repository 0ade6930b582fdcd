/**
 * Support decisions about a relay, for `pnpm support relay …` and `pnpm support republish --account`:
 * status, skip an event it cannot map, reset its checkpoint, re-publish an account's events. Each
 * decision is an event in the relay's control stream (`kafka_relay-{name}`: who, why, when), decided
 * by the domain's `decideRelayControl`; the relay reads that stream, so the log is the one record.
 * These act on the database directly (DATABASE_URL), not through an API.
 */
import { randomUUID } from 'node:crypto';
import {
  decideRelayControl,
  foldRelayControl,
  type RelayControlCommand,
  type RelayControlState,
  type RelayEventSkipped,
  relayControlStream,
} from '@publisher/domain';
import {
  type EventMetadata,
  type EventStore,
  operatorMetadata,
  type Position,
  type RecordedEvent,
} from '@publisher/event-store';
import { newId } from '@publisher/platform/ids';
import type { CheckpointStore } from './checkpoint.ts';
import { isRelayError, RelayError } from './errors.ts';
import { mapRecordedEvent } from './mapping.ts';

export interface RelayAdmin {
  store: EventStore;
  checkpoints: CheckpointStore;
  /** The relay's name (RELAY_NAME): its checkpoint row and control stream. */
  relay: string;
  /** Who decides: recorded as the events' actor. */
  actor: EventMetadata['actor'];
  now?: () => Date;
  /** Events per read while scanning the log. */
  batchSize?: number;
}

/** Called while a long scan runs: events read so far and the position reached. */
export type ScanProgress = (read: number, position: Position) => void;

export interface StuckEvent {
  event_id: string;
  type: string;
  stream: string;
  position: Position;
  error: string;
}

export interface RelayStatus {
  relay: string;
  checkpoint: Position | null;
  head: Position | null;
  /** The first event after the checkpoint the relay cannot map (it stops there), within `scanned`. */
  stuck: StuckEvent | null;
  scanned: number;
  skipped: Array<RelayEventSkipped['data']>;
}

/** How far `relayStatus` and `skipRelayEvent` look past the checkpoint for the event a relay stops at. */
const STUCK_SCAN_LIMIT = 10_000;

/**
 * The relay's checkpoint, the head of the log, the event it is stopped at (if any) and the skips
 * support recorded.
 * @example
 * const status = await relayStatus(admin); // status.stuck?.event_id is what `relay skip` takes
 */
export async function relayStatus(admin: RelayAdmin): Promise<RelayStatus> {
  const [checkpoint, head, control] = await Promise.all([
    admin.checkpoints.load(admin.relay),
    admin.store.headPosition(),
    loadControl(admin),
  ]);
  const { stuck, scanned } = await findStuck(admin, checkpoint, control.state);
  return { relay: admin.relay, checkpoint, head, stuck, scanned, skipped: [...control.state.skipped.values()] };
}

export interface DecisionResult<Detail> {
  dry_run: boolean;
  /** The recorded event (id null on a dry run). */
  event: { id: string | null; type: string; data: Record<string, unknown>; position: Position | null };
  detail: Detail;
}

/**
 * Records a decision to skip an event the relay cannot map. Refused unless the event is among the
 * first `STUCK_SCAN_LIMIT` after the checkpoint and really cannot be mapped: a mappable event must
 * never be hidden from consumers.
 */
export async function skipRelayEvent(
  admin: RelayAdmin,
  input: { event_id: string; reason: string; dry_run: boolean },
): Promise<DecisionResult<StuckEvent>> {
  const checkpoint = await admin.checkpoints.load(admin.relay);
  const control = await loadControl(admin);
  const event = await findAfter(admin, checkpoint, (e) => e.id === input.event_id);
  if (!event) {
    throw new RelayError(
      'RELAY_ADMIN_REFUSED',
      `event ${input.event_id} is not among the ${STUCK_SCAN_LIMIT} events after relay ${admin.relay}'s checkpoint`,
    );
  }
  const error = unmappable(event);
  if (error === null) {
    throw new RelayError(
      'RELAY_ADMIN_REFUSED',
      `the relay can map event ${event.id} (${event.type}); skipping it would hide it from consumers`,
    );
  }
  const detail: StuckEvent = {
    event_id: event.id,
    type: event.type,
    stream: event.stream,
    position: event.position,
    error,
  };
  const command: RelayControlCommand = {
    type: 'SkipRelayEvent',
    data: {
      relay: admin.relay,
      event_id: event.id,
      event_type: event.type,
      stream: event.stream,
      position: event.position,
      error,
      reason: input.reason,
    },
  };
  // The decision belongs to the skipped event's tenant, so that account's audit shows it.
  return record(admin, control, command, event.metadata.tenant, input.dry_run, detail);
}

/**
 * Moves the relay's checkpoint to `to` (null: the start of the log) and records it. Backwards the
 * relay re-sends what follows `to` (duplicates: consumers dedupe by event id); forwards it passes
 * over what lies between. The running relay notices at its next checkpoint write and restarts from
 * here. `events` counts the events between the two positions.
 */
export async function resetRelayCheckpoint(
  admin: RelayAdmin,
  input: { to: Position | null; reason: string; dry_run: boolean; progress?: ScanProgress },
): Promise<
  DecisionResult<{ from: Position | null; to: Position | null; direction: 'back' | 'forward'; events: number }>
> {
  const from = await admin.checkpoints.load(admin.relay);
  const back = input.to === null || (from !== null && input.to < from);
  const [low, high] = back ? [input.to, from] : [from, input.to];
  const events = await countBetween(admin, low, high, () => true, input.progress);
  const control = await loadControl(admin);
  const detail = { from, to: input.to, direction: back ? ('back' as const) : ('forward' as const), events };
  const command: RelayControlCommand = {
    type: 'ResetRelayCheckpoint',
    data: { relay: admin.relay, from_position: from, to_position: input.to, reason: input.reason },
  };
  // Decided (validated) first; then the checkpoint moves, then the decision is appended. In that
  // order the appended event is what wakes an idle relay: it tries to write its checkpoint past it,
  // finds it moved, and restarts from the new one.
  const decided = decide(admin, control.state, command);
  if (input.dry_run)
    return { dry_run: true, event: { id: null, type: decided.type, data: decided.data, position: null }, detail };
  await moveCheckpoint(admin, from, input.to);
  const event = await append(admin, control.revision, decided, { account_id: 0, site_id: 0, sector_id: null });
  return { dry_run: false, event, detail };
}

/**
 * Records a request that the relay re-publish every public event of `account_id` with a position in
 * `(from, to]` (to defaults to the head), marked as replays with a new replay id. The relay runs it
 * when it reaches the request in the log. `events` counts what it will send (a scan of the range).
 */
export async function republishAccount(
  admin: RelayAdmin,
  input: {
    account_id: number;
    from: Position | null;
    to: Position | null;
    reason: string;
    dry_run: boolean;
    progress?: ScanProgress;
  },
): Promise<DecisionResult<{ replay_id: string | null; from: Position | null; to: Position; events: number }>> {
  const to = input.to ?? (await admin.store.headPosition());
  if (to === null) throw new RelayError('RELAY_ADMIN_REFUSED', 'the log is empty: nothing to republish');
  const publicOf = (e: RecordedEvent) => e.metadata.tenant.account_id === input.account_id && published(e);
  const events = await countBetween(admin, input.from, to, publicOf, input.progress);
  const replayId = randomUUID();
  const control = await loadControl(admin);
  return record(
    admin,
    control,
    {
      type: 'RepublishAccount',
      data: {
        relay: admin.relay,
        account_id: input.account_id,
        replay_id: replayId,
        from_position: input.from,
        to_position: to,
        reason: input.reason,
      },
    },
    { account_id: input.account_id, site_id: 0, sector_id: null },
    input.dry_run,
    { replay_id: input.dry_run ? null : replayId, from: input.from, to, events },
  );
}

/**
 * Compare-and-set, so a running relay's own writes and this one never interleave silently: when the
 * relay moved on meanwhile, read again and set again (the relay then fails its next write and
 * restarts from the new checkpoint).
 */
async function moveCheckpoint(admin: RelayAdmin, from: Position | null, to: Position | null): Promise<void> {
  let expected = from;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.checkpoints.save(admin.relay, expected, to);
      return;
    } catch (err) {
      if (!isRelayError(err, 'RELAY_CHECKPOINT_CONFLICT') || attempt >= 5) throw err;
      expected = await admin.checkpoints.load(admin.relay);
    }
  }
}

async function loadControl(admin: RelayAdmin): Promise<{ state: RelayControlState; revision: number | 'no_stream' }> {
  const events = await admin.store.readStream(relayControlStream(admin.relay));
  return {
    state: foldRelayControl(events),
    revision: events.length === 0 ? 'no_stream' : events.length - 1,
  };
}

interface Decided {
  type: string;
  data: Record<string, unknown>;
  at: string;
}

function decide(admin: RelayAdmin, state: RelayControlState, command: RelayControlCommand): Decided {
  const at = (admin.now ?? (() => new Date()))().toISOString();
  const [decided] = decideRelayControl(command, state, { at });
  if (!decided) throw new Error(`${command.type} decided no event`);
  return { type: decided.type, data: decided.data, at };
}

async function append(
  admin: RelayAdmin,
  revision: number | 'no_stream',
  decided: Decided,
  tenant: EventMetadata['tenant'],
): Promise<DecisionResult<unknown>['event']> {
  const id = newId();
  const metadata = operatorMetadata(id, admin.actor, tenant, decided.at);
  const event = { id, type: decided.type, data: decided.data, metadata };
  const appended = await admin.store.append(relayControlStream(admin.relay), [event], revision);
  return { id, type: decided.type, data: decided.data, position: appended.position };
}

/** Decides, and unless it is a dry run appends, one decision. */
async function record<Detail>(
  admin: RelayAdmin,
  control: { state: RelayControlState; revision: number | 'no_stream' },
  command: RelayControlCommand,
  tenant: EventMetadata['tenant'],
  dryRun: boolean,
  detail: Detail,
): Promise<DecisionResult<Detail>> {
  const decided = decide(admin, control.state, command);
  if (dryRun)
    return { dry_run: true, event: { type: decided.type, data: decided.data, id: null, position: null }, detail };
  return { dry_run: false, event: await append(admin, control.revision, decided, tenant), detail };
}

/** The mapping error of an event the relay cannot publish, or null when it maps (or is internal). */
function unmappable(event: RecordedEvent): string | null {
  try {
    mapRecordedEvent(event);
    return null;
  } catch (err) {
    if (isRelayError(err, 'RELAY_UNMAPPABLE_EVENT')) return err.message;
    throw err;
  }
}

function published(event: RecordedEvent): boolean {
  try {
    return mapRecordedEvent(event).kind === 'publish';
  } catch {
    return false;
  }
}

async function findStuck(
  admin: RelayAdmin,
  checkpoint: Position | null,
  control: RelayControlState,
): Promise<{ stuck: StuckEvent | null; scanned: number }> {
  let scanned = 0;
  const event = await findAfter(admin, checkpoint, (e) => {
    scanned++;
    return !control.skipped.has(e.id) && unmappable(e) !== null;
  });
  if (!event) return { stuck: null, scanned };
  const error = unmappable(event) ?? '';
  return {
    stuck: { event_id: event.id, type: event.type, stream: event.stream, position: event.position, error },
    scanned,
  };
}

/** The first of the `STUCK_SCAN_LIMIT` events after `after` that matches. */
async function findAfter(
  admin: RelayAdmin,
  after: Position | null,
  match: (e: RecordedEvent) => boolean,
): Promise<RecordedEvent | undefined> {
  let from = after;
  let seen = 0;
  const limit = admin.batchSize ?? 1000;
  while (seen < STUCK_SCAN_LIMIT) {
    const batch = await admin.store.readAll({ after: from, limit: Math.min(limit, STUCK_SCAN_LIMIT - seen) });
    for (const e of batch) if (match(e)) return e;
    if (batch.length === 0) return undefined;
    seen += batch.length;
    from = batch.at(-1)!.position;
  }
  return undefined;
}

/** Counts the events in `(low, high]` that match, reading the log in batches. */
async function countBetween(
  admin: RelayAdmin,
  low: Position | null,
  high: Position | null,
  match: (e: RecordedEvent) => boolean,
  progress?: ScanProgress,
): Promise<number> {
  if (high === null) return 0;
  let after = low;
  let read = 0;
  let count = 0;
  const limit = admin.batchSize ?? 1000;
  for (;;) {
    const batch = await admin.store.readAll({ after, limit });
    for (const e of batch) {
      if (e.position > high) return count;
      read++;
      if (match(e)) count++;
    }
    const last = batch.at(-1);
    if (!last) return count;
    after = last.position;
    progress?.(read, after);
  }
}
