import type { AccessLogEntry } from '@publisher/contracts';
import type { SupportCommand } from '../command.ts';
import { integerOption, show } from '../options.ts';
import { take } from '../pages.ts';

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
    for await (const { item: e } of take<AccessLogEntry>(api, 'audit/access-log', {}, limit)) {
      if (json) out.json(e);
      else
        out.line(
          `${e.at}  ${e.action}  by ${e.reader.user_id} (${e.reader.role}, account ${e.reader.account_id ?? 'none'})  ${e.record_kind ?? ''} ${e.record_id ?? ''}  ${show(e.query)}  request ${e.request_id}`,
        );
    }
    return 0;
  },
};
