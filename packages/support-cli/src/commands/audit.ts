import type { AuditEvent } from '@publisher/contracts';
import type { SupportCommand } from '../command.ts';
import { integerOption, recordIdOption, timeOption } from '../options.ts';
import { take } from '../pages.ts';

/** `pnpm support audit [filters]`: who did what, across records, newest first. */
export const audit: SupportCommand = {
  name: 'audit',
  summary: 'search events across records: who did what, when (newest first)',
  usage: `pnpm support audit [--account <id>] [--site <id>] [--record <id>] [--actor <user>] [--correlation <id>]
                   [--type <event type>] [--from <time>] [--to <time>] [--limit <n>] [--json]

Events newest first, filtered (all filters combine; --from inclusive, --to exclusive, on the time the
event occurred). Prints at most --limit events (default 100). Roles that read any account search them all
unless --account narrows it; others search their own account.`,
  options: {
    account: { type: 'string' },
    site: { type: 'string' },
    record: { type: 'string' },
    actor: { type: 'string' },
    correlation: { type: 'string' },
    type: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
  },
  async run({ values, json, out, api }) {
    const limit = integerOption(values.limit, '--limit', 1) ?? 100;
    const query = {
      account_id: integerOption(values.account, '--account', 1),
      site_id: integerOption(values.site, '--site', 1),
      record_id: recordIdOption(values.record, '--record'),
      actor: values.actor as string | undefined,
      correlation_id: values.correlation as string | undefined,
      type: values.type as string | undefined,
      from: timeOption(values.from, '--from'),
      to: timeOption(values.to, '--to'),
    };
    let printed = 0;
    let total = 0;
    for await (const { item: e, count } of take<AuditEvent>(api, 'audit/events', query, limit)) {
      printed += 1;
      total = count;
      if (json) out.json(e);
      else
        out.line(
          `${e.occurred_at}  ${e.type}  ${e.aggregate} ${e.record_id ?? '-'} #${e.revision}  account ${e.account_id ?? '-'} site ${e.site_id ?? '-'}  by ${e.actor.user_id ?? '?'} (${e.actor.role ?? '?'})  correlation ${e.correlation_id ?? '-'}`,
        );
    }
    if (!json) out.note(`${printed} of ${total >= 10_000 ? 'at least 10000' : total} matching events`);
    return 0;
  },
};
