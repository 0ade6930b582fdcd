/**
 * One slow tenant must slow only itself. Account 2's destination answers after SLOW_MS; account 1's
 * at once; all their records share ONE partition (the worst case for a partition-sequential worker,
 * where each fast record would wait for every slow record ahead of it). The fast tenant's delivery
 * latency is measured alone, then beside the slow tenant, in the same run; the test compares them.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, testLogger, waitUntil } from '@publisher/testing';
import t from 'tap';
import { start } from '../src/worker.ts';
import { loopbackServer } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { readUntil, type Stack, startStack, tokenFor } from './helpers/stack.ts';

/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 60_000, intervalMs: 20 };
const SLOW_MS = 5000;
const SLOW_RECORDS = 6;
const FAST_RECORDS = 20;

const defer = cleanupStack(t);
const stack: Stack = await startStack(defer, { partitions: 1 });
const slow = await loopbackServer(() => ({ status: 200, body: { url: 'https://cms.test/slow' }, delayMs: SLOW_MS }));
defer(slow.close);
// When each fast record reached its destination.
const arrived = new Map<string, number>();
const fast = await loopbackServer((req) => {
  arrived.set(JSON.parse(req.body).record_id, performance.now());
  return { status: 200, body: { url: 'https://cms.test/fast' } };
});
defer(fast.close);
const host = (server: { url: string }) => `http://hooks.publisher-test.example.com:${new URL(server.url).port}/`;

const worker = await start({
  brokers: [stack.brokers],
  commandApiUrl: stack.commandUrl,
  jwtSecret: DEVELOPMENT_JWT_SECRET,
  topicPrefix: stack.prefix,
  topicPartitions: 1,
  groupId: `worker-fairness-${randomUUID()}`,
  port: null,
  databaseUrl: stack.dbUrl,
  destinationPolicy: { allowPrivate: true },
  resolve: loopbackResolver,
  concurrency: 8,
  tenantConcurrency: 2,
  deliveryTimeoutMs: SLOW_MS * 3,
  logger: testLogger('worker'),
});
defer(() => worker.close());

const create = async (account: number, url: string) => {
  const res = await stack.command(
    'POST',
    'publishing-records/',
    { content_id: 1, site_id: 3, sector_id: 5, destination: 'webhook', destination_config: { url } },
    tokenFor({ account_id: account, role: 'editor' }),
  );
  if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  return { id: res.body.data.id, at: performance.now() };
};

/** Creates the fast tenant's records one by one and returns each one's create → delivery latency. */
async function fastLatencies(): Promise<number[]> {
  const created: Array<{ id: string; at: number }> = [];
  for (let i = 0; i < FAST_RECORDS; i++) {
    created.push(await create(1, host(fast)));
    await sleep(25);
  }
  await waitUntil('every fast record delivered', () => created.every((c) => arrived.has(c.id)), patience);
  await readUntil(stack, created.at(-1)!.id, (r) => r.status === 'published'); // and recorded
  return created.map((c) => arrived.get(c.id)! - c.at);
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1]!;

t.test('a slow tenant does not hold back a fast one on the same partition', async (t) => {
  await fastLatencies(); // warm-up: connections, JIT, the group's first fetches
  const alone = await fastLatencies();

  const slowRecords = [];
  for (let i = 0; i < SLOW_RECORDS; i++) slowRecords.push(await create(2, host(slow)));
  const beside = await fastLatencies();

  const [aloneP99, besideP99] = [p99(alone), p99(beside)];
  t.comment(`fast tenant p99: alone ${aloneP99.toFixed(0)} ms, beside the slow tenant ${besideP99.toFixed(0)} ms`);
  // Partition-sequential handling would put every fast record behind the slow ones ahead of it
  // (≥ SLOW_MS each). Fair handling keeps the fast tenant near its own latency.
  t.ok(
    besideP99 < SLOW_MS / 2,
    `beside the slow tenant (${besideP99.toFixed(0)} ms) it never waits for a slow delivery`,
  );
  t.ok(
    besideP99 <= aloneP99 * 3 + 100,
    `and stays within 3× its latency alone (${besideP99.toFixed(0)} vs ${aloneP99.toFixed(0)} ms)`,
  );
  t.ok(slow.requests.length < SLOW_RECORDS, 'the slow tenant was still busy meanwhile');
  await waitUntil('every slow record requested', () => slow.requests.length === SLOW_RECORDS, patience);
  const slowToken = tokenFor({ account_id: 2, role: 'editor' });
  const last = slowRecords.at(-1)!.id;
  await waitUntil(
    'the last slow record published',
    async () => {
      const res = await fetch(`${stack.readUrl}/api/v1/publisher/publishing-records/${last}`, {
        headers: { authorization: `Bearer ${slowToken}` },
      });
      return res.status === 200 && ((await res.json()) as { data: { status: string } }).data.status === 'published';
    },
    patience,
  );
  t.pass('and its records are all delivered and recorded, none lost');
});
