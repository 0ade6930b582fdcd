import type { SupportCommand } from '../command.ts';
import { recordIdArgument } from '../options.ts';
import { IF_REVISION_OPTION, redriveRecord } from './republish.ts';

export const redeliver: SupportCommand = {
  name: 'redeliver',
  summary: 'have the publishing worker deliver a failed record again (failed → pending)',
  usage: `pnpm support redeliver <record-id> --reason <text> [--if-revision <n>] [--dry-run] [--json]

Through the command API with your token: support, developer and system_bot on any account, editors,
admins and owners on their own. Refused (409) unless the record failed. The record becomes pending
and the publishing worker makes the next attempt; the history shows who asked and why. --if-revision <n>
applies it only to that revision of the record (the dry run names it): sent twice, or after the record
changed, it is refused (412).`,
  options: {
    reason: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    ...IF_REVISION_OPTION,
  },
  async run(ctx) {
    const id = recordIdArgument(ctx.positionals);
    return redriveRecord(ctx, `publishing-records/${encodeURIComponent(id)}/redeliver`);
  },
};
