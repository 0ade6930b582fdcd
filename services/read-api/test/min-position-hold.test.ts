/**
 * A read with `min_position` ahead of the projection is held, then answered once the checkpoint
 * gets there — checked without a race against the wait's timeout: the app would wait a minute,
 * and the checkpoint moves only once the request is known to be parked in the watcher (the real
 * `CheckpointWatcher.waitFor` runs; the test only notes its calls).
 */
import { randomUUID } from 'node:crypto';
import { createPostgresEventStore, type EventMetadata } from '@publisher/event-store';
import {
  compareAndSetCheckpoint,
  createReadModelConnection,
  migrateReadModel,
  saveDeployments,
  savePublishingRecords,
} from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { CheckpointWatcher } from '../src/checkpoint-watcher.ts';
import { auth, config, deploymentRow, notifyCheckpoint, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_api_hold');
t.teardown(database.drop);
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const app = await buildApp(
  { config: config(database.url, { READ_API_MIN_POSITION_TIMEOUT_MS: '60000' }) },
  { logger: false },
);
t.teardown(() => app.close());

const base = '/api/v1/publisher';
const record = recordRow({ site_id: 11 });
const deployment = deploymentRow({ site_id: 11, version: 1, status: 'deployed', deployed_at: record.created_at });
await savePublishingRecords(rm.db, [record]);
await saveDeployments(rm.db, [deployment]);

/** Notes every `waitFor` call and the watcher it was made on. */
const calls: Array<{ watcher: CheckpointWatcher; position: string }> = [];
const original = CheckpointWatcher.prototype.waitFor;
CheckpointWatcher.prototype.waitFor = function (this: CheckpointWatcher, position, timeoutMs) {
  calls.push({ watcher: this, position });
  return original.call(this, position, timeoutMs);
};
t.teardown(() => {
  CheckpointWatcher.prototype.waitFor = original;
});

/**
 * Resolves once a request waits for `position` and the watcher has looked at the checkpoint since
 * (concurrent refreshes share one query, so awaiting one settles after the request's own look): the
 * request is then a parked waiter, not still reading.
 */
async function parkedAt(position: string): Promise<void> {
  const call = await waitUntil(`a request to wait for ${position}`, () => calls.find((c) => c.position === position), {
    timeoutMs: 10_000,
    intervalMs: 5,
  });
  return call.watcher.refresh();
}

// Real positions of a real log (nothing projects them here: the test moves the checkpoint itself),
// so a `min_position` is always one the log has reached.
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const positions: string[] = [];
for (let i = 0; i < 5; i++) {
  const metadata: EventMetadata = {
    correlation_id: randomUUID(),
    causation_id: null,
    actor: { user_id: 'test', role: 'system_bot' },
    tenant: { account_id: 1, site_id: 11, sector_id: null },
    request_id: null,
    occurred_at: new Date().toISOString(),
    schema_version: 1,
  };
  const { position } = await store.append(
    `test-${randomUUID()}`,
    [{ id: randomUUID(), type: 'Tick', data: {}, metadata }],
    'no_stream',
  );
  positions.push(position);
}
let checkpoint: string | null = null;
/** Moves the projection's checkpoint to the next position of the log, notifying as the projector does. */
async function project(): Promise<string> {
  const next = positions[checkpoint === null ? 0 : positions.indexOf(checkpoint) + 1]!;
  await rm.db.transaction().execute(async (trx) => {
    if (!(await compareAndSetCheckpoint(trx, 'read_models', checkpoint, next))) throw new Error('checkpoint moved');
    await notifyCheckpoint(trx, { schema: 'read_model', name: 'read_models', position: next });
  });
  checkpoint = next;
  return next;
}
await project();

const cases: Array<[string, (position: string) => { url: string; headers: Record<string, string> }]> = [
  [
    'a record by id, X-Min-Position',
    (p) => ({ url: `/publishing-records/${record.id}`, headers: { 'x-min-position': p } }),
  ],
  [
    'a deployment by id, min_position',
    (p) => ({ url: `/deployments/${deployment.id}?min_position=${p}`, headers: {} }),
  ],
  ['the record list, min_position', (p) => ({ url: `/publishing-records/?min_position=${p}`, headers: {} })],
  ['the site view, X-Min-Position', (p) => ({ url: '/sites/11/deployment-status', headers: { 'x-min-position': p } })],
];

for (const [name, request] of cases) {
  t.test(`${name}: held while the projection is behind, answered once it gets there`, async (t) => {
    const wanted = positions[positions.indexOf(checkpoint!) + 1]!;
    const { url, headers } = request(wanted);
    const answer = app.inject({ method: 'GET', url: `${base}${url}`, headers: { ...auth(1), ...headers } });
    let settled = false;
    void answer.finally(() => {
      settled = true;
    });
    await parkedAt(wanted);
    t.notOk(settled, 'held');
    t.equal(await project(), wanted);
    const res = await answer;
    t.equal(res.statusCode, 200, 'answered once projected');
    t.equal(res.headers['x-read-position'], wanted, 'as of the position it waited for');
    t.equal(res.json().success, true);
  });
}
