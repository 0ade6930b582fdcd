import { type SupportCommand, UsageError } from '../command.ts';
import { integerOption, recordIdArgument, show, timeOption } from '../options.ts';

/** `pnpm support as-of <id> --at <time> | --revision <n>`: a record as it was then. */
export const asOf: SupportCommand = {
  name: 'as-of',
  summary: 'a record as it was at a time or revision, folded from the event store',
  usage: `pnpm support as-of <record-id> (--at <RFC 3339 time> | --revision <n>) [--deployment] [--json]

The publishing record (a deployment with --deployment) as it was at that time (its events up to then)
or revision. Fails with RECORD_NOT_FOUND when it did not exist yet, RECORD_DELETED when it was deleted by then.`,
  options: {
    at: { type: 'string' },
    revision: { type: 'string' },
    deployment: { type: 'boolean', default: false },
  },
  async run({ positionals, values, json, out, api }) {
    const id = recordIdArgument(positionals);
    const at = timeOption(values.at, '--at');
    const revision = integerOption(values.revision, '--revision', 0);
    if ((at === undefined) === (revision === undefined))
      throw new UsageError('give exactly one of --at and --revision');
    const kind = values.deployment ? 'deployments' : 'publishing-records';
    const { body } = await api.read<{ data: Record<string, unknown> }>(`${kind}/${encodeURIComponent(id)}`, {
      as_of: at,
      as_of_revision: revision,
    });
    if (json) out.json(body.data);
    else for (const [field, value] of Object.entries(body.data)) out.line(`${field}: ${show(value)}`);
    return 0;
  },
};
