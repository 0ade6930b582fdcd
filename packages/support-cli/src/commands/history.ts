import { type AnyHistoryEntry as HistoryEntry, MAX_PAGE_SIZE } from '@publisher/contracts';
import type { SupportCommand } from '../command.ts';
import { integerOption, recordIdArgument, show } from '../options.ts';
import { pages } from '../pages.ts';

/** The longest data value printed as it is; a longer one is cut (`--json` has it whole). */
const DATA_VALUE_MAX = 120;

/** Data fields every event repeats: the record's own id (the argument) and its time (the header's). */
const REPEATED_DATA = new Set(['record_id', 'deployment_id', 'at']);

/**
 * The event's own short facts a reader needs beside its changes: a cancel's, rollback's or re-drive's
 * `reason`, a failure's `error`, a replay id. Nested values (metadata, configurations) and fields
 * already shown as changes are left to `--json`. Values are user input: control characters
 * (newlines, terminal escapes) become spaces so an entry stays on its lines.
 */
function dataLines(e: HistoryEntry): string[] {
  const lines: string[] = [];
  for (const [field, value] of Object.entries(e.data)) {
    if (REPEATED_DATA.has(field) || field in e.changes) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const text = String(value)
      .replace(/[\p{Cc}\s]+/gu, ' ')
      .trim();
    const chars = [...text]; // code points: a cut never splits a character
    const cut = chars.length > DATA_VALUE_MAX ? `${chars.slice(0, DATA_VALUE_MAX - 1).join('')}…` : text;
    lines.push(`    ${field}: ${cut}`);
  }
  return lines;
}

/** `pnpm support history <id> [--deployment]`: a record's events, oldest first, with who and what changed. */
export const history: SupportCommand = {
  name: 'history',
  summary: 'a record’s events, oldest first: who, when, what changed',
  usage: `pnpm support history <record-id> [--deployment] [--page-size <n>] [--json]

Every event of a publishing record (a deployment with --deployment), from the event store, oldest first:
its revision, time, type, actor, request and correlation ids, the event's own short data (a reason, an
error; cut at ${DATA_VALUE_MAX} characters) and the fields it changed (before → after).
--json prints one history entry per line (with the event's whole payload and the record after it).
--page-size sets how many events each request to the read API asks for (1 to ${MAX_PAGE_SIZE}, default ${MAX_PAGE_SIZE}).`,
  options: { deployment: { type: 'boolean', default: false }, 'page-size': { type: 'string' } },
  async run({ positionals, values, json, out, api }) {
    const id = recordIdArgument(positionals);
    const kind = values.deployment ? 'deployments' : 'publishing-records';
    const pageSize = integerOption(values['page-size'], '--page-size', 1, MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
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
        for (const line of dataLines(e)) out.line(line);
        for (const [field, [before, after]] of Object.entries(e.changes)) {
          out.line(`    ${field}: ${show(before)} → ${show(after)}`);
        }
      }
    }
    return 0;
  },
};
