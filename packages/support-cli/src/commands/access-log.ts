import type { SupportCommand } from '../command.ts';
import { integerOption, show } from '../options.ts';
import { pages } from '../pages.ts';

interface AccessLogEntry {
  at: string;
  action: string;
  reader: { user_id: string; role: string; account_id: number };
  record_kind: string | null;
  record_id: string | null;
  query: Record<string, unknown>;
  request_id: string;
}

/** `pnpm support access-log`: who from outside the account read its history, past states or audit. */
export const accessLog: SupportCommand = {
  name: 'access-log',
  summary: 'who from outside your account read its history, past states or audit (admins, owners)',
  usage: `pnpm support access-log [--limit <n>] [--json]

The access log of the token's account, newest first: every read of its history, as-of states, audit
events or snapshots by support or privileged users of another account. Needs an admin or owner token.
Prints at most --limit entries (default 100).`,
  options: { limit: { type: 'string' } },
  async run({ values, json, out, api }) {
    const limit = integerOption(values.limit, '--limit', 1) ?? 100;
    let printed = 0;
    for await (const page of pages<AccessLogEntry>(api, 'audit/access-log', { page_size: Math.min(limit, 100) })) {
      for (const e of page.results) {
        if (printed === limit) break;
        printed += 1;
        if (json) out.json(e);
        else
          out.line(
            `${e.at}  ${e.action}  by ${e.reader.user_id} (${e.reader.role}, account ${e.reader.account_id})  ${e.record_kind ?? ''} ${e.record_id ?? ''}  ${show(e.query)}  request ${e.request_id}`,
          );
      }
      if (printed === limit) break;
    }
    return 0;
  },
};
