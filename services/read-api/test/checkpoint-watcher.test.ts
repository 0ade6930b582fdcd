/**
 * The checkpoint watcher's `refresh` on a real PostgreSQL: a caller gets a read that started after
 * its call, even while an older read is still on its way back.
 */
import { compareAndSetCheckpoint, createReadModelConnection, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import t from 'tap';
import { CheckpointWatcher } from '../src/checkpoint-watcher.ts';

const database = await createTestDatabase('read_api_watcher');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);

/** Holds every query's result (read already, on the database's side) until `open()`. */
function resultGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let arrived!: () => void;
  const held = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      arrived();
      await opened;
      return args.result;
    },
  };
  return { plugin, open, held };
}

t.test('a refresh called after a commit sees it, though a read from before the commit is in flight', async (t) => {
  const before = '0000000000000001-0000000000000001';
  const after = '0000000000000002-0000000000000001';
  t.ok(await compareAndSetCheckpoint(rm.db, 'read_models', null, before));
  const gate = resultGate();
  const watcher = new CheckpointWatcher({
    db: rm.db.withPlugin(gate.plugin),
    connectionString: null,
    logger: { warn: () => {}, debug: () => {} },
  });
  t.teardown(() => watcher.close());

  const early = watcher.refresh();
  await gate.held; // the early read has read `before` and waits at the gate
  t.ok(await compareAndSetCheckpoint(rm.db, 'read_models', before, after));
  const late = watcher.refresh();
  gate.open();
  await early;
  await late;
  t.equal(watcher.position, after, 'the later caller waited for a read of its own');
});
