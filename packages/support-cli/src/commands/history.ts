import type { SupportCommand } from '../command.ts';
import { integerOption, recordIdArgument, show } from '../options.ts';
import { pages } from '../pages.ts';

interface HistoryEntry {
  revision: number;
  type: string;
  occurred_at: string;
  actor: { user_id: string | null; role: string | null };
  request_id: string | null;
  correlation_id: string | null;
  changes: Record<string, [unknown, unknown]>;
}

/** `pnpm support history <id> [--deployment]`: a record's events, oldest first, with who and what changed. */
export const history: SupportCommand = {
  name: 'history',
  summary: 'a record’s events, oldest first: who, when, what changed',
  usage: `pnpm support history <record-id> [--deployment] [--json]

Every event of a publishing record (a deployment with --deployment), from the event store, oldest first:
its revision, time, type, actor, request and correlation ids, and the fields it changed (before → after).
--json prints one history entry per line (with the event's payload and the record after it).`,
  options: { deployment: { type: 'boolean', default: false }, 'page-size': { type: 'string' } },
  async run({ positionals, values, json, out, api }) {
    const id = recordIdArgument(positionals);
    const kind = values.deployment ? 'deployments' : 'publishing-records';
    const pageSize = integerOption(values['page-size'], '--page-size', 1) ?? 100;
    for await (const page of pages<HistoryEntry>(api, `${kind}/${encodeURIComponent(id)}/history`, {
      page_size: pageSize,
    })) {
      for (const e of page.results) {
        if (json) {
          out.json(e);
          continue;
        }
        const who = `${e.actor.user_id ?? '?'} (${e.actor.role ?? '?'})`;
        out.line(
          `#${e.revision}  ${e.occurred_at}  ${e.type}  by ${who}  request ${e.request_id ?? '-'}  correlation ${e.correlation_id ?? '-'}`,
        );
        for (const [field, [before, after]] of Object.entries(e.changes)) {
          out.line(`    ${field}: ${show(before)} → ${show(after)}`);
        }
      }
    }
    return 0;
  },
};
