/**
 * End to end with EVENT_STORE=esdb: the command API, the projector and the read API run as their
 * own processes, exactly as `pnpm start` runs them, against the EventStoreDB stand-in (real
 * client, real gRPC) and a real PostgreSQL for read models and checkpoints. A command's events land
 * in EventStoreDB, the projector follows $all into the read models, and the read API serves the
 * command's result once its position is projected (read-your-writes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@publisher/dev-infra';
import { createTestDatabase, signTestToken, waitUntil } from '@publisher/testing';
import t from 'tap';
import { startEsdbStandIn } from './stand-in-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SECRET = 'end-to-end-secret-with-enough-length-0123456789';
const BASE = '/api/v1/publisher';

/** An HS256 JWT, as `pnpm token` signs it. */
const token = (claims: Record<string, unknown>) => signTestToken(claims, { key: SECRET, expiresInSeconds: 600 });

function startService(entry: string, env: NodeJS.ProcessEnv, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output.push(`[${path.basename(path.dirname(path.dirname(entry)))}] ${chunk.toString()}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(url: string, children: ChildProcess[], timeoutMs = 45_000): Promise<void> {
  await waitUntil(`${url} to be ready`, async () => (await fetch(url)).ok, {
    timeoutMs,
    intervalMs: 200,
    giveUpIf: () => {
      const exited = children.find((child) => child.exitCode !== null);
      return exited !== undefined && `a service exited with ${exited.exitCode}`;
    },
  });
}

t.test('commands → EventStoreDB → projector → read API, with EVENT_STORE=esdb', async (t) => {
  const esdb = await startEsdbStandIn();
  t.teardown(esdb.stop);
  const db = await createTestDatabase('esdb_e2e');
  t.teardown(db.drop);
  const [commandPort, readPort, projectorPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    EVENT_STORE: 'esdb',
    EVENTSTORE_URL: esdb.connectionString,
    JWT_SECRET: SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    COMMAND_API_PORT: String(commandPort),
    READ_API_PORT: String(readPort),
    PROJECTOR_PORT: String(projectorPort),
  };
  const output: string[] = [];
  const children = [
    startService('services/command-api/src/server.ts', env, output),
    startService('services/projector/src/main.ts', env, output),
    startService('services/read-api/src/main.ts', env, output),
  ];
  t.teardown(async () => {
    await Promise.all(children.map(stopService));
  });
  try {
    await waitReady(`http://127.0.0.1:${commandPort}/ready`, children);
    await waitReady(`http://127.0.0.1:${readPort}/ready`, children);
  } catch (err) {
    t.comment(output.join(''));
    throw err;
  }

  const auth = { authorization: `Bearer ${token({ sub: 'e2e-editor', account_id: 1, role: 'editor' })}` };
  const command = (route: string, body: unknown) =>
    fetch(`http://127.0.0.1:${commandPort}${BASE}/${route}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const read = (route: string, position: string) =>
    fetch(`http://127.0.0.1:${readPort}${BASE}/${route}`, { headers: { ...auth, 'x-min-position': position } });

  const created = await command('publishing-records/', {
    content_id: 11,
    site_id: 2,
    sector_id: 3,
    destination: 'webhook',
  });
  t.equal(created.status, 201, 'created');
  const record = ((await created.json()) as { data: { id: string } }).data;
  const createdAt = created.headers.get('x-position');
  t.ok(createdAt, 'the command response carries its position');

  const inEventStore = esdb.allEvents().filter((event) => event.stream.includes(record.id));
  t.ok(inEventStore.length > 0, 'the events were written to EventStoreDB');

  const afterCreate = await read(`publishing-records/${record.id}`, createdAt!);
  t.equal(afterCreate.status, 200, 'readable once projected');
  t.match(await afterCreate.json(), { success: true, data: { id: record.id, status: 'pending', content_id: 11 } });

  const started = await command(`publishing-records/${record.id}/start`, {});
  t.equal(started.status, 200, 'started');
  const afterStart = await read(`publishing-records/${record.id}`, started.headers.get('x-position')!);
  t.match(
    await afterStart.json(),
    { data: { id: record.id, status: 'publishing' } },
    'the next command is read back too',
  );

  const list = await read('publishing-records/', started.headers.get('x-position')!);
  t.match(await list.json(), { success: true, count: 1, results: [{ id: record.id, status: 'publishing' }] });

  // History and as-of reads come from the event store itself: here EventStoreDB (stream reads
  // forwards with a limit, and backwards from the end for the count).
  const history = await read(`publishing-records/${record.id}/history?page_size=1`, createdAt!);
  t.equal(history.status, 200, 'history from EventStoreDB');
  const page = (await history.json()) as { count: number; next: string; results: unknown[] };
  t.match(page, {
    count: 2,
    results: [{ revision: 0, type: 'PublishingRecordCreated', actor: { user_id: 'e2e-editor', role: 'editor' } }],
  });
  const next = await fetch(page.next, { headers: auth });
  t.match(await next.json(), {
    count: 2,
    next: null,
    results: [{ revision: 1, type: 'PublishingStarted', changes: { status: ['pending', 'publishing'] } }],
  });
  const then = await read(`publishing-records/${record.id}?as_of_revision=0`, createdAt!);
  t.match(await then.json(), { data: { id: record.id, status: 'pending', revision: 0 } }, 'as-of from EventStoreDB');
});
