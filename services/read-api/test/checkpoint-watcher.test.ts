/**
 * The checkpoint watcher's `refresh` on a real PostgreSQL: a caller gets a read that started after
 * its call, even while an older read is still on its way back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { compareAndSetCheckpoint, createReadModelConnection, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
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

t.test('a notice wakes waiters at once; a payload that is not a notice moves nothing', async (t) => {
  const at = '0000000000000003-0000000000000001';
  t.ok(await compareAndSetCheckpoint(rm.db, 'read_models', '0000000000000002-0000000000000001', at));
  const warned: string[] = [];
  const watcher = new CheckpointWatcher({
    db: rm.db,
    connectionString: database.url,
    logger: { warn: (_obj, msg) => warned.push(msg), debug: () => {} },
    // Polling slower than the test: only a notice can move the watcher in time.
    busyPollMs: 60_000,
    idlePollMs: 60_000,
  });
  t.teardown(() => watcher.close());
  const changes: Array<readonly number[] | null> = [];
  watcher.onChange((_position, accounts) => changes.push(accounts));
  await watcher.start();
  const notify = (payload: string) => rm.pool.query(`SELECT pg_notify('read_model_checkpoint', $1)`, [payload]);
  // LISTEN is in place once a probe is heard (and refused).
  await waitUntil(
    'a probe to be heard',
    async () => {
      await notify('probe');
      return warned.length > 0;
    },
    { timeoutMs: 10_000 },
  );
  await sleep(50);
  t.equal(watcher.position, at);
  warned.length = 0;
  changes.length = 0;

  const far = 'ffffffffffffffff-ffffffffffffffff';
  const waiting = watcher.waitFor('0000000000000004-0000000000000001', 1_000);
  for (const bad of [
    'not json',
    JSON.stringify({ schema: 'read_model', name: 'read_models', position: 'zzzz' }),
    JSON.stringify({ schema: 'read_model', name: 'read_models', position: far, accounts: ['7'] }),
    JSON.stringify({ schema: 'read_model', name: 'read_models' }),
  ]) {
    await notify(bad);
  }
  const next = '0000000000000004-0000000000000001';
  await notify(JSON.stringify({ schema: 'read_model', name: 'read_models', position: next, accounts: [7] }));
  t.equal(await waiting, 'reached', 'the real notice released the waiter');
  t.equal(watcher.position, next, 'no malformed position was taken');
  // (A LISTEN session that has just started also tells listeners "anything may have changed": null.)
  t.same(
    changes.filter((accounts) => accounts !== null),
    [[7]],
    'listeners heard the notice, with its accounts',
  );
  t.equal(warned.filter((m) => m.includes('not a notice')).length, 4, 'each malformed payload is logged');
});
