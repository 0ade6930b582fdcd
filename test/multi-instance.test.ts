/**
 * Many instances at once, as in production: two command APIs, two read APIs, two projectors (one
 * active), two relays (one active) and two publishing workers (one consumer group) — real processes
 * of the bundles `pnpm start` runs — on one PostgreSQL and one Kafka broker. Clients drive mixed
 * commands through both command APIs, including conflicting transitions of the same deployment
 * through both at once; midway one instance of each kind is SIGKILLed. Then:
 *
 * - no command answered 2xx is lost: its event is in the log at the revision and position it named;
 * - the command APIs' in-process state caches stayed correct: of two conflicting transitions sent
 *   through both APIs exactly one succeeds, a command that was legal only on a stale cached state is
 *   refused, and no transition is in the log twice;
 * - no event was applied twice: the read models equal a fresh fold of the log (the projector
 *   tests' oracle);
 * - every event reached Kafka at least once, and in order per record once deduplicated;
 * - every pending record was delivered to its webhook once (records the killed worker had claimed
 *   stay `publishing` with at most one delivery: the worker's documented limit);
 * - the standby projector and relay took over within 5 s of the kill.
 */
import { randomUUID } from 'node:crypto';
import { DEPLOYMENTS_TOPIC, PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { comparePositions, createPostgresEventStore, type RecordedEvent } from '@publisher/event-store';
import { mapRecordedEvent } from '@publisher/kafka-relay';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { createReadModelConnection, readCheckpoint } from '@publisher/read-model';
import { cleanupStack, createTestDatabase, signTestToken, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { consumeUntil, kafkaBrokers } from '../services/kafka-relay/test/helpers/kafka.ts';
import { foldAllEvents, loadAllRows } from '../services/projector/test/oracle.ts';
import { startBalancer } from './helpers/balancer.ts';
import { bundleServices, type ServiceProcess, startService } from './helpers/services.ts';
import { startWebhookReceiver } from './helpers/webhook-receiver.ts';

/** How soon a standby must take over (docs/scaling.md). */
const TAKEOVER_BOUND_MS = 5000;
const CLIENTS = 6;
/**
 * How much load each phase drives: 2xx answers through each command API and conflicting pairs
 * before the kill, 2xx answers through the survivor after it. Counts, not durations, so a slow
 * machine runs longer instead of testing less; each phase is bounded by PHASE_TIMEOUT_MS.
 */
const BEFORE_KILL = { answered: 60, pairs: 4, deliveries: 10 };
const AFTER_KILL = { answered: 80, pairs: 4 };
const PHASE_TIMEOUT_MS = 90_000;
const ACCOUNTS = 5;
const API = '/api/v1/publisher';

const defer = cleanupStack(t);
const fileStartedAt = Date.now();
const bundles = await bundleServices(['command-api', 'read-api', 'projector', 'kafka-relay', 'publishing-worker']);
defer(bundles.remove);
const db = await createTestDatabase('multi_instance');
defer(db.drop);
const brokers = await kafkaBrokers({ teardown: defer });
const prefix = `multi-${randomUUID().slice(0, 8)}.`;
// Deliveries take a while, so the killed worker has some in flight.
const hook = await startWebhookReceiver({ delayMs: [100, 400] });
defer(hook.close);
const store = createPostgresEventStore({ connectionString: db.url });
defer(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: db.url, max: 2 });
defer(rm.close);
const admin = new pg.Pool({ connectionString: db.url, max: 2 });
defer(() => admin.end());

const common = {
  DATABASE_URL: db.url,
  JWT_SECRET: DEVELOPMENT_JWT_SECRET,
  ALLOW_PRIVATE_DESTINATIONS: 'true',
  RATE_LIMIT_MAX: '1000000',
};
const kafkaEnv = { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix };
const processes: ServiceProcess[] = [];
async function start(name: Parameters<typeof startService>[1], env: NodeJS.ProcessEnv = {}) {
  const p = await startService(bundles, name, { ...common, ...env });
  processes.push(p);
  defer(() => p.kill('SIGKILL'));
  return p;
}

// Started side by side (the services migrate under advisory locks, as in a rolling start); the first
// projector and relay are made the active ones, so that the test knows which to kill.
const setUpAt = Date.now();
t.comment(`bundles, database and topics ready in ${setUpAt - fileStartedAt} ms`);
const [commandApis, readApis, projectors, relays] = await Promise.all([
  Promise.all([start('command-api'), start('command-api')]),
  Promise.all([start('read-api'), start('read-api')]),
  (async () => {
    const first = await start('projector');
    await waitUntil('the first projector to lead', async () => (await projectorState(first)) === 'live', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    return [first, await start('projector')];
  })(),
  (async () => {
    const first = await start('kafka-relay', kafkaEnv);
    await waitUntil('the first relay to be active', async () => (await relayRole(first)) === 'active', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    return [first, await start('kafka-relay', kafkaEnv)];
  })(),
]);
const balancer = await startBalancer(commandApis.map((a) => a.url));
defer(balancer.close);
const workerEnv = { ...kafkaEnv, COMMAND_API_URL: balancer.url, WORKER_GROUP_ID: `${prefix}workers` };
const workers = await Promise.all([start('publishing-worker', workerEnv), start('publishing-worker', workerEnv)]);
t.comment(`ten processes ready in ${Date.now() - setUpAt} ms`);

async function projectorState(p: ServiceProcess): Promise<string | null> {
  const res = await fetch(`${p.url}/status`).catch(() => null);
  return res?.ok ? ((await res.json()) as { data: { state: string } }).data.state : null;
}
async function relayRole(p: ServiceProcess): Promise<string | null> {
  const res = await fetch(`${p.url}/health`).catch(() => null);
  return res ? ((await res.json()) as { role: string }).role : null;
}
async function relayCheckpoint(): Promise<string | null> {
  const { rows } = await admin.query<{ position: string | null }>(
    "SELECT position FROM relay_checkpoints WHERE name = 'kafka-relay'",
  );
  return rows[0]?.position ?? null;
}

// ---- clients ---------------------------------------------------------------------------------

const tokens = new Map<number, string>();
const token = (account: number) => {
  let value = tokens.get(account);
  if (!value) {
    value = `Bearer ${signTestToken({ sub: `user-${account}`, account_id: account, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET })}`;
    tokens.set(account, value);
  }
  return value;
};

/** A command as the client saw it; `status` null when no answer came (connection refused or cut). */
interface Answer {
  api: number;
  what: string;
  status: number | null;
  code?: string;
  stream?: string;
  revision?: number;
  position?: string;
  /** Event types the command may have appended last. */
  expect: string[];
  id?: string;
}
const answers: Answer[] = [];
const down = new Set<number>();
const ok = (a: Answer) => a.status !== null && a.status >= 200 && a.status < 300;

async function command(
  api: number,
  method: string,
  path: string,
  account: number,
  body: unknown,
  expect: string[],
  streamOf: (id: string) => string,
): Promise<Answer> {
  const answer: Answer = { api, what: `${method} ${path}`, status: null, expect };
  try {
    const res = await fetch(`${commandApis[api]!.url}${API}${path}`, {
      method,
      headers: { authorization: token(account), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json()) as { data?: { id: string }; code?: string };
    answer.status = res.status;
    answer.code = json.code;
    if (ok(answer) && json.data) {
      answer.id = json.data.id;
      answer.stream = streamOf(json.data.id);
      answer.revision = Number(JSON.parse(res.headers.get('etag') ?? 'null'));
      answer.position = res.headers.get('x-position') ?? undefined;
    }
  } catch {
    // no answer: the outcome is unknown to the client, so nothing is asserted about it
  }
  answers.push(answer);
  return answer;
}

const alive = () => [0, 1].filter((i) => !down.has(i));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const recordStream = (id: string) => `publishing_record-${id}`;
const deploymentStream = (id: string) => `deployment-${id}`;

const reads = { ok: 0, failed: 0 };
let n = 0;

/** A publishing record for the webhook; sometimes edited at once through the other API (racing the worker's claim). */
async function publish(): Promise<void> {
  const i = n++;
  const account = 1 + (i % ACCOUNTS);
  const [a, b] = [pick(alive()), pick(alive())];
  const created = await command(
    a,
    'POST',
    '/publishing-records/',
    account,
    {
      content_id: i + 1,
      site_id: account * 10,
      sector_id: 1,
      destination: 'webhook',
      destination_config: { url: hook.url },
      metadata: { n: i },
    },
    ['PublishingRecordCreated'],
    recordStream,
  );
  if (!ok(created) || !created.id) return;
  if (Math.random() < 0.3) {
    await command(
      b,
      'PATCH',
      `/publishing-records/${created.id}`,
      account,
      { metadata: { n: i, edited: true } },
      ['PublishingRecordUpdated'],
      recordStream,
    );
  }
  if (i % 3 !== 0) return;
  const reader = pick(readApis.filter((r) => r.alive()));
  const read = await fetch(`${reader.url}${API}/publishing-records/${created.id}?min_position=${created.position}`, {
    headers: { authorization: token(account) },
    signal: AbortSignal.timeout(15_000),
  }).catch(() => null);
  if (read?.status === 200) reads.ok++;
  else reads.failed++;
  await read?.arrayBuffer();
}

/** Outcome of two conflicting transitions of one deployment sent through both APIs at once. */
const pairs: Array<{ what: string; answers: Answer[] }> = [];
/** A command legal only on the state the first API had cached, sent after the other API moved the record on. */
const stale: Answer[] = [];
let site = 100;

async function deploy(): Promise<void> {
  const account = 1 + (n++ % ACCOUNTS);
  const siteId = site++;
  const [a, b] = alive().length === 2 ? (Math.random() < 0.5 ? [0, 1] : [1, 0]) : [alive()[0]!, alive()[0]!];
  const created = await command(
    a,
    'POST',
    '/deploy',
    account,
    { site_id: siteId },
    ['DeploymentCreated'],
    deploymentStream,
  );
  if (!ok(created) || !created.id) return;
  const path = `/deployments/${created.id}`;
  const tx = (api: number, action: string, body: unknown, type: string) =>
    command(api, 'POST', `${path}/${action}`, account, body, [type], deploymentStream);
  // `a` cached the deployment as pending; `b` starts it; `a` must not cancel it on its stale cache.
  const started = await tx(b, 'start', {}, 'DeploymentStarted');
  if (!ok(started)) return;
  if (a !== b) stale.push(await tx(a, 'cancel', { reason: 'stale cache?' }, 'DeploymentCancelled'));
  const outcome = await Promise.all([
    tx(a, 'succeed', { deployment_url: `https://s${siteId}.example.com` }, 'DeploymentSucceeded'),
    tx(b, 'fail', { error: 'raced' }, 'DeploymentFailed'),
  ]);
  pairs.push({ what: 'succeed | fail', answers: outcome });
  if (outcome[0]!.status === 200) {
    pairs.push({
      what: 'rollback | rollback',
      answers: await Promise.all([
        tx(a, 'rollback', { reason: 'a' }, 'DeploymentRolledBack'),
        tx(b, 'rollback', { reason: 'b' }, 'DeploymentRolledBack'),
      ]),
    });
  }
}

/** Runs the clients until `stop` says so. */
async function drive(stop: () => boolean): Promise<void> {
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (!stop()) await (c % 3 === 0 ? deploy() : publish());
    }),
  );
}
const answeredBy = (api: number, since = 0) => answers.slice(since).filter((a) => a.api === api && ok(a)).length;
const answeredPairs = (since = 0) => pairs.slice(since).filter((p) => p.answers.every((a) => a.status !== null)).length;

// ---- the run ---------------------------------------------------------------------------------

const takeovers: Record<string, number> = {};

t.test('SIGKILL one instance of each kind under load', async (t) => {
  let stopped = false;
  const run = drive(() => stopped);
  await waitUntil(
    'load through both command APIs before the kill',
    () =>
      answeredBy(0) >= BEFORE_KILL.answered &&
      answeredBy(1) >= BEFORE_KILL.answered &&
      answeredPairs() >= BEFORE_KILL.pairs &&
      hook.deliveries.length >= BEFORE_KILL.deliveries,
    { timeoutMs: PHASE_TIMEOUT_MS, intervalMs: 50 },
  );

  const leaderProjector = (await projectorState(projectors[0]!)) === 'standby' ? 1 : 0;
  const activeRelay = (await relayRole(relays[0]!)) === 'active' ? 0 : 1;
  t.equal(await projectorState(projectors[1 - leaderProjector]!), 'standby', 'the other projector stands by');
  t.equal(await relayRole(relays[1 - activeRelay]!), 'standby', 'the other relay stands by');
  const projectorAtKill = (await readCheckpoint(rm.db)).position;
  const relayAtKill = await relayCheckpoint();
  const killedAt = Date.now();
  const [answersAtKill, pairsAtKill] = [answers.length, pairs.length];
  down.add(0);
  await Promise.all([
    projectors[leaderProjector]!.kill('SIGKILL'),
    relays[activeRelay]!.kill('SIGKILL'),
    commandApis[0]!.kill('SIGKILL'),
    readApis[0]!.kill('SIGKILL'),
    workers[0]!.kill('SIGKILL'),
  ]);
  const projectorTakeover = waitUntil(
    'the standby projector to take over',
    async () =>
      ['catching_up', 'live'].includes((await projectorState(projectors[1 - leaderProjector]!)) ?? '') &&
      (await readCheckpoint(rm.db)).position !== projectorAtKill
        ? Date.now()
        : null,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  const relayTakeover = waitUntil(
    'the standby relay to take over',
    async () =>
      (await relayRole(relays[1 - activeRelay]!)) === 'active' && (await relayCheckpoint()) !== relayAtKill
        ? Date.now()
        : null,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  takeovers.projector = (await projectorTakeover) - killedAt;
  takeovers.relay = (await relayTakeover) - killedAt;
  t.comment(`takeover after SIGKILL: projector ${takeovers.projector} ms, relay ${takeovers.relay} ms`);
  t.ok(takeovers.projector <= TAKEOVER_BOUND_MS, `the standby projector took over in ${takeovers.projector} ms`);
  t.ok(takeovers.relay <= TAKEOVER_BOUND_MS, `the standby relay took over in ${takeovers.relay} ms`);
  await waitUntil(
    'load through the surviving command API after the kill',
    () => answeredBy(1, answersAtKill) >= AFTER_KILL.answered && answeredPairs(pairsAtKill) >= AFTER_KILL.pairs,
    { timeoutMs: PHASE_TIMEOUT_MS, intervalMs: 50 },
  ).finally(() => {
    stopped = true;
  });
  await run;

  const through = [0, 1].map((api) => answers.filter((a) => a.api === api && ok(a)).length);
  t.comment(
    `${answers.length} commands (${through[0]} + ${through[1]} answered 2xx by the two APIs), ${answers.filter((a) => a.status === null).length} unanswered; reads with min_position ${reads.ok} ok, ${reads.failed} failed`,
  );
  t.ok(through[0]! > 20 && through[1]! > 20, 'both command APIs took commands');
  t.ok(reads.ok > 20, 'reads of the own writes through the read APIs');
});

t.test('the surviving instances settle: projector and relay past the last event, no record left pending', async (t) => {
  // Positions of the log as read (the head counter may name an append that never committed).
  const log = await store.readAll({});
  const lastEvent = log.at(-1)!.position;
  await waitUntil(
    'the projector to pass the last event',
    async () => comparePositions((await readCheckpoint(rm.db)).position, lastEvent) >= 0,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  // The relay's checkpoint need not pass a trailing run of events it does not publish: wait for the last it does.
  const lastPublic = log.filter((e) => mapRecordedEvent(e).kind === 'publish').at(-1)!.position;
  await waitUntil(
    'the relay to pass the last public event',
    async () => comparePositions(await relayCheckpoint(), lastPublic) >= 0,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  // The killed worker's partitions move to the other one after the group's session timeout (30 s).
  let last = '';
  let stableSince = Date.now();
  await waitUntil(
    'every record to be claimed, and in-flight deliveries to finish',
    async () => {
      const { rows } = await admin.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM read_model.publishing_records GROUP BY status ORDER BY status`,
      );
      const now = JSON.stringify(rows);
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      }
      return !rows.some((r) => r.status === 'pending') && Date.now() - stableSince > 3000;
    },
    { timeoutMs: 120_000, intervalMs: 50 },
  );
  t.comment(`final statuses: ${last}`);
  t.pass('settled');
});

t.test('no command answered 2xx is lost', async (t) => {
  const succeeded = answers.filter(ok);
  const missing: string[] = [];
  for (const a of succeeded) {
    const [event] = await store.readStream(a.stream!, { from: a.revision!, limit: 1 });
    if (!event || !a.expect.includes(event.type) || event.position !== a.position) {
      missing.push(
        `${a.what} → ${a.status} rev ${a.revision}: ${event ? `${event.type} at ${event.position}` : 'none'}`,
      );
    }
  }
  t.same(missing, [], `each of ${succeeded.length} 2xx answers names an event of the log`);
});

t.test('the state caches of two APIs writing the same records: re-judged, nothing lost or doubled', async (t) => {
  const both = pairs.filter((p) => p.answers.every((a) => a.status !== null));
  const wrong = both.filter((p) => p.answers.filter(ok).length !== 1);
  t.ok(both.length >= 5, `${both.length} conflicting pairs answered`);
  t.same(
    wrong.map((p) => `${p.what}: ${p.answers.map((a) => `${a.status} ${a.code ?? ''}`).join(' | ')}`),
    [],
    'of two conflicting transitions through the two APIs exactly one succeeds',
  );
  t.ok(
    both.every((p) => p.answers.filter((a) => !ok(a)).every((a) => a.status === 409)),
    'the other is refused with 409',
  );
  const answeredStale = stale.filter((a) => a.status !== null);
  t.ok(answeredStale.length >= 3, `${answeredStale.length} commands sent on a stale cached state`);
  t.same(
    answeredStale
      .filter((a) => a.status !== 409 || a.code !== 'ILLEGAL_TRANSITION')
      .map((a) => `${a.what} → ${a.status}`),
    [],
    'a cancel legal only on the stale cached (pending) state is refused: ILLEGAL_TRANSITION',
  );
  // No transition twice: each deployment's stream is a legal life with every event type at most once.
  const all = await store.readAll({});
  const byStream = new Map<string, string[]>();
  for (const e of all) {
    if (e.stream.startsWith('deployment-')) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.type]);
  }
  const doubled = [...byStream].filter(([, types]) => new Set(types).size !== types.length);
  t.same(doubled, [], `no deployment (of ${byStream.size}) has a transition twice`);
  t.notOk(
    [...byStream.values()].some((types) => types.includes('DeploymentCancelled')),
    'no stale cancel reached the log',
  );
});

t.test('no event applied twice: the read models equal a fresh fold of the log', async (t) => {
  const expected = await foldAllEvents(store);
  const actual = await loadAllRows(rm.db);
  t.equal(actual.records.size, expected.records.size, `${expected.records.size} publishing records`);
  t.equal(actual.deployments.size, expected.deployments.size, `${expected.deployments.size} deployments`);
  t.same(actual.records, expected.records);
  t.same(actual.deployments, expected.deployments);
});

t.test('every event reached Kafka at least once, in order per record', async (t) => {
  const log: RecordedEvent[] = await store.readAll({});
  const expected = new Map<string, string[]>();
  for (const e of log) {
    const mapped = mapRecordedEvent(e);
    if (mapped.kind === 'publish') expected.set(mapped.key, [...(expected.get(mapped.key) ?? []), e.id]);
  }
  const all = new Set([...expected.values()].flat());
  const arrived = new Set<string>();
  let seen = 0;
  const received = await consumeUntil(
    brokers,
    [prefix + PUBLISHING_RECORDS_TOPIC, prefix + DEPLOYMENTS_TOPIC],
    (got) => {
      for (let i = seen; i < got.length; i++) arrived.add(got[i]!.headers['event-id']!);
      seen = got.length;
      return arrived.size >= all.size;
    },
    60_000,
  );
  t.equal([...all].filter((id) => !arrived.has(id)).length, 0, `all ${all.size} public events arrived`);
  t.comment(`${received.length - arrived.size} duplicates after the relay's failover`);
  const perKey = new Map<string, string[]>();
  const once = new Set<string>();
  for (const r of received) {
    const id = r.headers['event-id']!;
    if (once.has(id)) continue;
    once.add(id);
    perKey.set(r.key!, [...(perKey.get(r.key!) ?? []), id]);
  }
  const outOfOrder = [...expected].filter(([key, ids]) => JSON.stringify(perKey.get(key)) !== JSON.stringify(ids));
  t.equal(outOfOrder.length, 0, `each of ${expected.size} records' events in log order, once deduplicated`);
});

t.test('each pending record was delivered to its webhook once', async (t) => {
  const { rows } = await admin.query<{ id: string; status: string; attempts: number }>(
    "SELECT id, status, attempts FROM read_model.publishing_records WHERE destination = 'webhook'",
  );
  const deliveries = new Map<string, number>();
  for (const d of hook.deliveries)
    deliveries.set(`${d.record_id}:${d.attempt}`, (deliveries.get(`${d.record_id}:${d.attempt}`) ?? 0) + 1);
  const twice = [...deliveries].filter(([, count]) => count > 1);
  t.same(twice, [], `no delivery twice (${hook.deliveries.length} deliveries)`);
  const published = rows.filter((r) => r.status === 'published');
  const notDelivered = published.filter((r) => deliveries.get(`${r.id}:${r.attempts}`) !== 1);
  t.same(
    notDelivered.map((r) => r.id),
    [],
    `each of ${published.length} published records delivered exactly once`,
  );
  // The killed worker's claims: left `publishing` (the worker README's known limit), none delivered twice.
  const stuck = rows.filter((r) => r.status !== 'published');
  t.comment(
    `${stuck.length} records left ${[...new Set(stuck.map((r) => r.status))].join('/')} by the killed worker (claimed, outcome never recorded); ${hook.deliveries.filter((d) => d.cut).length} deliveries cut off by the kill`,
  );
  t.ok(
    stuck.every((r) => r.status === 'publishing'),
    'the only records not published are ones a worker claimed',
  );
  // A worker has at most WORKER_CONCURRENCY (8) deliveries in flight; the survivor's claims whose
  // answer the killed API never sent are left the same way.
  t.ok(stuck.length <= 16, 'no more than the killed worker and API could have had in flight');
});

t.test('the survivors stop cleanly', async (t) => {
  const survivors = processes.filter((p) => p.alive());
  t.equal(survivors.length, 5, 'one of each kind is left');
  const codes = await Promise.all(survivors.map((p) => p.kill('SIGTERM')));
  t.same(
    codes,
    survivors.map(() => 0),
    'each exits 0 on SIGTERM',
  );
});
