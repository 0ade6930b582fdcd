import { MAX_PAGE_SIZE } from '@publisher/contracts';
import { type SupportCommand, UsageError } from '../command.ts';
import { integerOption, timeOption } from '../options.ts';
import { pages } from '../pages.ts';

/** `pnpm support snapshot --account <id> --as-of <time>`: every record of an account as it was then. */
export const snapshot: SupportCommand = {
  name: 'snapshot',
  summary: 'every record of an account as it was at a time, replayed from the log (JSON lines)',
  usage: `pnpm support snapshot --account <id> --as-of <RFC 3339 time> [--page-size <n>]

Every publishing record and deployment of the account that existed at that time, each folded from its
events in the event store up to then (not the current read model), one JSON line each:
{"kind":"publishing_record"|"deployment","deleted":false,"data":{…}}. Deleted ones are listed with
"deleted":true. A progress bar (stderr) shows on a terminal.`,
  options: { account: { type: 'string' }, 'as-of': { type: 'string' }, 'page-size': { type: 'string' } },
  async run({ values, out, api }) {
    const account = integerOption(values.account, '--account', 1);
    const asOf = timeOption(values['as-of'], '--as-of');
    if (account === undefined || asOf === undefined) throw new UsageError('--account and --as-of are required');
    const pageSize = integerOption(values['page-size'], '--page-size', 1, MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
    let bar: ReturnType<typeof out.progress> | null = null;
    let done = 0;
    try {
      for await (const page of pages<unknown>(api, 'audit/snapshot', {
        account_id: account,
        as_of: asOf,
        page_size: pageSize,
      })) {
        bar ??= out.progress(page.count, 'records');
        for (const record of page.results) out.json(record);
        done += page.results.length;
        bar.update(done);
      }
    } finally {
      bar?.stop();
    }
    out.note(`${done} records of account ${account} as of ${asOf}`);
    return 0;
  },
};
