/**
 * Operator commands for the read-model projection (DATABASE_URL must point at its database):
 *
 *   status                                   checkpoint, and the poison event if one stopped it
 *   skip <event-id> --reason <text> [--by <name>]
 *                                            record a decision to pass over that event (kept across
 *                                            rebuilds) and let the projector resume
 *   retry                                    clear the stop so the projector tries the event again
 *                                            (after deploying a projector that can apply it)
 *
 * Run: pnpm --filter @publisher/projector admin <command> …
 */

import { parseArgs } from 'node:util';
import { PLATFORM_VARIABLES, requireDatabaseUrl } from '@publisher/platform/config';
import { envVar, readEnv } from '@publisher/platform/env';
import {
  clearProjectionStopped,
  createReadModelConnection,
  migrateReadModel,
  READ_MODELS_PROJECTION,
  readCheckpoint,
  skipEvent,
} from '@publisher/read-model';
import { runTool } from '@publisher/telemetry';

/**
 * What the admin commands read: the read model's database, and who runs them ($USER, else $LOGNAME:
 * a skip's `--by` when none is given, as in the support CLI).
 */
export const ADMIN_VARIABLES = {
  DATABASE_URL: PLATFORM_VARIABLES.DATABASE_URL,
  USER: envVar.string(null),
  LOGNAME: envVar.string(null),
};

export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { reason: { type: 'string' }, by: { type: 'string' } },
  });
  const [command, eventId] = positionals;
  const v = readEnv(ADMIN_VARIABLES, env);
  const rm = createReadModelConnection({
    connectionString: requireDatabaseUrl(v.DATABASE_URL),
    max: 1,
    applicationName: 'publisher-projector-admin',
  });
  try {
    await migrateReadModel(rm.pool);
    const cp = await readCheckpoint(rm.db);
    switch (command) {
      case 'status':
        return JSON.stringify(cp, null, 2);
      case 'skip': {
        if (!eventId || !values.reason) throw new Error('usage: skip <event-id> --reason <text> [--by <name>]');
        // The decision stays in the read model's ledger: it names a person, never a placeholder.
        const by = values.by ?? v.USER ?? v.LOGNAME;
        if (!by) throw new Error('--by <your name> is required (no $USER or $LOGNAME to default to)');
        const stop = cp.stopped?.event_id === eventId ? cp.stopped : null;
        await skipEvent(rm.db, READ_MODELS_PROJECTION, {
          event_id: eventId,
          event_type: stop?.event_type ?? null,
          position: stop?.position ?? null,
          reason: values.reason,
          skipped_by: by,
        });
        const resumed = stop ? await clearProjectionStopped(rm.db, READ_MODELS_PROJECTION) : false;
        return resumed
          ? `event ${eventId} will be skipped; the projector resumes within seconds`
          : `event ${eventId} will be skipped whenever it comes (the projection was not stopped at it)`;
      }
      case 'retry':
        return (await clearProjectionStopped(rm.db, READ_MODELS_PROJECTION))
          ? 'stop cleared; the projector tries the event again within seconds'
          : 'the projection was not stopped';
      default:
        throw new Error('usage: status | skip <event-id> --reason <text> [--by <name>] | retry');
    }
  } finally {
    await rm.close();
  }
}

runTool(import.meta.url, 'projector:admin', async () => console.log(await runAdmin(process.argv.slice(2))));
