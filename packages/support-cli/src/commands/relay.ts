import { isPosition } from '@publisher/event-store/port';
import { ApiError } from '../api-client.ts';
import { type CommandContext, type SupportCommand, UsageError } from '../command.ts';
import { actorOf, DIRECT_OPTIONS, openDatabase, reasonOf, refusalsAsErrors, relayNameOf } from '../direct-access.ts';
import { counted } from '../output.ts';
import { estimate } from './republish.ts';

export const relay: SupportCommand = {
  name: 'relay',
  summary: 'the Kafka relay: status, skip an event it cannot map, reset its checkpoint',
  usage: `pnpm support relay status [--relay <name>] [--json]
       pnpm support relay skip <event-id> --reason <text> [--by <name>] [--relay <name>] [--dry-run] [--json]
       pnpm support relay reset --to <position|start> --reason <text> [--by <name>] [--relay <name>] [--dry-run] [--json]

Works on the database (DATABASE_URL, EVENT_STORE, EVENTSTORE_URL), not through an API; the relay is
RELAY_NAME or --relay (default kafka-relay). Decisions are recorded in the relay's stream
(kafka_relay-<name>) with who (--by, default $USER) and why (--reason).

status  its checkpoint, the head of the log, the event it is stopped at (if it cannot map one) and the
        events support skipped.
skip    pass over an event the relay cannot map (only such an event, among the 10 000 after its
        checkpoint); its consumers never see it. The running relay resumes within seconds.
reset   move the checkpoint: back to re-send what follows (consumers dedupe by event id), forward to
        pass over events. The dry run counts the events in between (a progress bar while it scans).`,
  options: { ...DIRECT_OPTIONS, relay: { type: 'string' }, to: { type: 'string' } },
  async run(ctx) {
    const [sub, ...args] = ctx.positionals;
    if (sub === 'status' && args.length === 0) return withAdmin(ctx, status);
    if (sub === 'skip' && args.length === 1) return withAdmin(ctx, (c, admin) => skip(c, admin, args[0]!));
    if (sub === 'reset' && args.length === 0) return withAdmin(ctx, reset);
    throw new UsageError('say status, skip <event-id> or reset --to <position|start>');
  },
};

type Admin = import('@publisher/kafka-relay').RelayAdmin;

async function withAdmin(ctx: CommandContext, run: (ctx: CommandContext, admin: Admin) => Promise<number>) {
  // Usage is checked before anything is opened.
  const deciding = ctx.positionals[0] !== 'status';
  const actor = deciding ? actorOf(ctx.values, ctx.config) : { user_id: 'status', role: 'support' as const };
  if (deciding) reasonOf(ctx.values);
  const db = await openDatabase(ctx.config);
  try {
    const { createCheckpointStore, RELAY_CHECKPOINTS_TABLE } = await import('@publisher/kafka-relay');
    // The relay creates its checkpoint table when it first starts: without it there is nothing to
    // show or decide, and PostgreSQL's "relation does not exist" would not say why.
    const { rows } = await db.pool.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
      RELAY_CHECKPOINTS_TABLE,
    ]);
    if (rows[0]?.found !== true) {
      throw new ApiError(
        0,
        'RELAY_NEVER_RAN',
        `no relay has run on this database (it has no ${RELAY_CHECKPOINTS_TABLE} table): check DATABASE_URL, or start the relay once`,
      );
    }
    const name = await relayNameOf(ctx.values, ctx.config);
    return await run(ctx, { store: db.store, checkpoints: createCheckpointStore(db.pool), relay: name, actor });
  } finally {
    await db.close();
  }
}

async function status(ctx: CommandContext, admin: Admin): Promise<number> {
  const { relayStatus } = await import('@publisher/kafka-relay');
  const s = await refusalsAsErrors(() => relayStatus(admin));
  if (ctx.json) {
    ctx.out.json(s);
    return 0;
  }
  ctx.out.line(`relay ${s.relay}: checkpoint ${s.checkpoint ?? 'start'}, head ${s.head ?? 'empty log'}`);
  ctx.out.line(
    s.stuck
      ? `stopped at ${s.stuck.event_id} (${s.stuck.type}, ${s.stuck.stream}, ${s.stuck.position}): ${s.stuck.error}`
      : s.scanned === 0
        ? 'caught up: no event after its checkpoint'
        : `not stopped at any of the next ${counted(s.scanned, 'event')}`,
  );
  for (const k of s.skipped) ctx.out.line(`skipped ${k.event_id} (${k.event_type}) at ${k.at}: ${k.reason}`);
  return 0;
}

async function skip(ctx: CommandContext, admin: Admin, eventId: string): Promise<number> {
  const { skipRelayEvent } = await import('@publisher/kafka-relay');
  const result = await refusalsAsErrors(() =>
    skipRelayEvent(admin, { event_id: eventId, reason: reasonOf(ctx.values), dry_run: ctx.values['dry-run'] === true }),
  );
  if (ctx.json) ctx.out.json(result);
  else {
    const d = result.detail;
    ctx.out.line(
      `${result.dry_run ? 'DRY RUN: would skip' : 'skipped'} ${d.event_id} (${d.type} at ${d.position}): ${d.error}` +
        (result.dry_run ? '; nothing was recorded' : `; the relay passes it within seconds (event ${result.event.id})`),
    );
  }
  return 0;
}

async function reset(ctx: CommandContext, admin: Admin): Promise<number> {
  const raw = ctx.values.to;
  if (typeof raw !== 'string' || (raw !== 'start' && !isPosition(raw))) {
    throw new UsageError('--to <position|start> is required, e.g. --to 0000000000000412-0000000000003a98');
  }
  const to = raw === 'start' ? null : raw;
  const { resetRelayCheckpoint } = await import('@publisher/kafka-relay');
  const from = await admin.checkpoints.load(admin.relay);
  const [low, high] = to === null || (from !== null && to < from) ? [to, from] : [from, to];
  const bar = ctx.out.progress(estimate(low, high), 'counting events');
  const result = await refusalsAsErrors(() =>
    resetRelayCheckpoint(admin, {
      to,
      reason: reasonOf(ctx.values),
      dry_run: ctx.values['dry-run'] === true,
      progress: (read) => bar.update(read),
    }),
  ).finally(() => bar.stop());
  if (ctx.json) ctx.out.json(result);
  else {
    const d = result.detail;
    const what =
      d.direction === 'back'
        ? `re-sends the ${counted(d.events, 'event')} after it`
        : `passes over ${counted(d.events, 'event')}`;
    ctx.out.line(
      `${result.dry_run ? 'DRY RUN: would move' : 'moved'} relay ${admin.relay} from ${d.from ?? 'start'} to ${d.to ?? 'start'}: ` +
        `it ${what}${result.dry_run ? '; nothing was changed' : ''}`,
    );
  }
  return 0;
}
