import type { AnyRedriveResult as RedriveAnswer } from '@publisher/contracts';
import { decodePosition, isPosition } from '@publisher/event-store/port';
import { type CommandContext, type SupportCommand, UsageError } from '../command.ts';
import { actorOf, DIRECT_OPTIONS, openDatabase, reasonOf, refusalsAsErrors, relayNameOf } from '../direct-access.ts';
import { integerOption, recordIdArgument } from '../options.ts';
import { counted, type Output } from '../output.ts';

/**
 * Runs one record re-drive through the command API and prints its answer.
 * @example
 * await redriveRecord(ctx, 'publishing-records/42/redeliver');
 */
export async function redriveRecord(ctx: CommandContext, path: string): Promise<number> {
  const body = { reason: reasonOf(ctx.values), ...(ctx.values['dry-run'] === true && { dry_run: true }) };
  // With --if-revision, only on that revision (If-Match): a record changed since, or the same
  // re-drive sent again, is refused (412) instead of re-driven a second time.
  const revision = integerOption(ctx.values['if-revision'], '--if-revision', 0);
  const headers: Record<string, string> = revision === undefined ? {} : { 'if-match': `"${revision}"` };
  const { body: answer } = await ctx.api.command<{ data: RedriveAnswer; request_id: string }>(path, body, headers);
  printRedrive(ctx.out, ctx.json, answer.data);
  return 0;
}

/** The option of the record re-drives that applies one only to the revision it was decided on. */
export const IF_REVISION_OPTION = { 'if-revision': { type: 'string' } } as const;

function printRedrive(out: Output, json: boolean, answer: RedriveAnswer): void {
  if (json) {
    out.json(answer);
    return;
  }
  out.line(`${answer.dry_run ? 'DRY RUN: ' : ''}${answer.effect}`);
  // A dry run answers the record as the re-drive would leave it, one revision on.
  if (answer.dry_run) out.line(`decided on revision ${answer.record.revision - 1} (--if-revision to hold to it)`);
  if (answer.event.id) out.line(`recorded: ${answer.event.type} ${answer.event.id}`);
  for (const e of answer.replay?.events ?? []) out.line(`  ${e.revision}\t${e.event_id}\t${e.type}`);
}

export const republish: SupportCommand = {
  name: 'republish',
  summary: 'send a record’s (or an account’s) events to Kafka again, as replays with the original ids',
  usage: `pnpm support republish <record-id> [--deployment] --reason <text> [--if-revision <n>] [--dry-run] [--json]
       pnpm support republish --account <id> [--from <position>] [--to <position>] --reason <text>
                              [--by <name>] [--relay <name>] [--dry-run] [--json]

One record: through the command API with your token (support, developer or system_bot), recorded in
the record's history. The relay re-sends the record's events before the request, with their original
event ids and the headers replay: true and replay-id. --if-revision <n> applies it only to that revision
of the record (the dry run names it): sent twice, or after the record changed, it is refused (412).

A whole account (every public event of the account with a position after --from, up to --to or the
head of the log): on the database (DATABASE_URL, EVENT_STORE, EVENTSTORE_URL; RELAY_NAME or --relay,
default kafka-relay), recorded in the relay's stream as decided by --by (default $USER). The dry run
counts the events it would send (a progress bar while it scans the range).`,
  options: {
    ...DIRECT_OPTIONS,
    deployment: { type: 'boolean', default: false },
    account: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    relay: { type: 'string' },
    ...IF_REVISION_OPTION,
  },
  async run(ctx) {
    const { positionals, values } = ctx;
    if (values.account !== undefined) {
      if (positionals.length > 0) throw new UsageError('give a record id or --account, not both');
      return republishAccount(ctx);
    }
    const id = recordIdArgument(positionals, 'a record id (or --account <id>) is required');
    return redriveRecord(
      ctx,
      `${values.deployment ? 'deployments' : 'publishing-records'}/${encodeURIComponent(id)}/republish`,
    );
  },
};

async function republishAccount(ctx: CommandContext): Promise<number> {
  const { values, out, config } = ctx;
  const account = integerOption(values.account, '--account', 1);
  if (account === undefined) throw new UsageError('--account is required');
  const position = (name: 'from' | 'to') => {
    const v = values[name];
    if (v === undefined) return null;
    if (typeof v !== 'string' || !isPosition(v)) {
      throw new UsageError(`--${name} must be a log position such as 0000000000000412-0000000000003a98`);
    }
    return v;
  };
  const input = {
    account_id: account,
    from: position('from'),
    to: position('to'),
    reason: reasonOf(values),
    dry_run: values['dry-run'] === true,
  };
  const actor = actorOf(values, config);
  const db = await openDatabase(config);
  try {
    const { createCheckpointStore, republishAccount: request } = await import('@publisher/kafka-relay');
    const relay = await relayNameOf(values, config);
    const head = input.to ?? (await db.store.headPosition());
    const bar = out.progress(estimate(input.from, head), 'scanning the log');
    const result = await refusalsAsErrors(() =>
      request(
        { store: db.store, checkpoints: createCheckpointStore(db.pool), relay, actor },
        { ...input, progress: (read) => bar.update(read) },
      ),
    ).finally(() => bar.stop());
    if (ctx.json) {
      out.json(result);
    } else {
      const d = result.detail;
      out.line(
        `${result.dry_run ? 'DRY RUN: would have' : 'recorded:'} relay ${relay} re-send ${counted(d.events, 'event')} of account ${account} ` +
          `after ${d.from ?? 'the start'} up to ${d.to}, as replays${d.replay_id ? ` with replay-id ${d.replay_id}` : ''}`,
      );
      if (result.event.id) out.line(`event ${result.event.type} ${result.event.id} at ${result.event.position}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** Positions carry a sequence in their second half: its distance is a fair total for the bar. */
export function estimate(from: string | null, to: string | null): number {
  if (to === null) return 0;
  const seq = (p: string | null) => (p === null ? 0 : Number(decodePosition(p).low));
  return Math.max(1, seq(to) - seq(from));
}
