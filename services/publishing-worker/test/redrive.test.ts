/**
 * Re-drives end to end, with the real command API, relay, projector, read API, broker and worker:
 * republish seen by a Kafka consumer as replays, redeliver and the stuck-record sweep ending
 * published through the worker, and the dead-letter re-drive.
 */
import { randomUUID } from 'node:crypto';
import { createEventDeduplicator, decodeEventMessage, PUBLISHING_RECORDS_TOPIC, replayOf } from '@publisher/contracts';
import { deadLettersStream } from '@publisher/domain';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, signTestToken, testLogger, waitUntil } from '@publisher/testing';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import t from 'tap';
import { DEAD_LETTER_HEADERS } from '../src/dead-letter.ts';
import { type DeadLetterAdmin, REDRIVE_HEADERS } from '../src/dead-letter-redrive.ts';
import { listDeadLetters, redriveDeadLetters } from '../src/index.ts';
import { start, type WorkerHandle } from '../src/worker.ts';
import { loopbackServer } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { API, readUntil, type Stack, startStack } from './helpers/stack.ts';
import { consumeUntil } from './helpers/topic.ts';

/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 30_000, intervalMs: 50 };
const defer = cleanupStack(t);
// A short lease, so the sweep fails a record whose worker "died" within the test — long enough that
// a delivery slowed by a loaded CI machine is not taken for one.
const stack: Stack = await startStack(defer, {
  commandEnv: { PUBLISHING_TIMEOUT: '5s', STUCK_SWEEP_INTERVAL: '200ms' },
});
const source = stack.prefix + PUBLISHING_RECORDS_TOPIC;
const dlq = `${source}.dlq`;

let answer: () => { status: number; body?: unknown } = () => ({ status: 200, body: { url: 'https://cms.test/p' } });
const webhook = await loopbackServer(() => answer());
defer(webhook.close);
// A public-looking name the worker's test resolver maps to the loopback server (see worker.test.ts).
const webhookUrl = `http://hooks.publisher-test.example.com:${new URL(webhook.url).port}/hook`;
const requestsFor = (id: string) => webhook.requests.filter((r) => JSON.parse(r.body).record_id === id);

const startWorker = (groupId = 'redrive-worker', fromBeginning = true): Promise<WorkerHandle> =>
  start({
    brokers: [stack.brokers],
    commandApiUrl: stack.commandUrl,
    jwtSecret: DEVELOPMENT_JWT_SECRET,
    topicPrefix: stack.prefix,
    groupId,
    fromBeginning,
    port: null,
    databaseUrl: stack.dbUrl,
    destinationPolicy: { allowPrivate: true },
    resolve: loopbackResolver,
    deliveryTimeoutMs: 2000,
    logger: testLogger('worker'),
  });
let worker = await startWorker();
defer(() => worker.close());

const kafka = new Kafka({ brokers: [stack.brokers], logLevel: logLevel.NOTHING });
const supportToken = signTestToken(
  { sub: 'support-anna', account_id: 99, role: 'support' },
  { key: DEVELOPMENT_JWT_SECRET },
);

async function asSupport(path: string, body: unknown) {
  const res = await fetch(`${stack.commandUrl}${API}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${supportToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data: Record<string, unknown> & { replay?: { replay_id: string } } },
  };
}

async function createRecord(): Promise<string> {
  const res = await stack.command('POST', 'publishing-records/', {
    content_id: 42,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: webhookUrl },
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  return res.body.data.id;
}

/** Reads `topic` from the start with a fresh group until `done` holds over what arrived. */
async function consume(topic: string, done: (got: KafkaMessage[]) => boolean): Promise<KafkaMessage[]> {
  const got: KafkaMessage[] = [];
  await consumeUntil(kafka, topic, ({ message }) => {
    got.push(message);
    return done(got);
  });
  return got;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

t.test('republish through the API reaches a Kafka consumer as replays the dedupe helper drops', async (t) => {
  answer = () => ({ status: 200, body: { url: 'https://cms.test/once' } });
  const id = await createRecord();
  await readUntil(stack, id, (r) => r.status === 'published');
  const events = await stack.store.readStream(`publishing_record-${id}`);

  const duplicates = worker.state.duplicates;
  const res = await asSupport(`publishing-records/${id}/republish`, { reason: 'analytics lost a day, INC-12' });
  t.equal(res.status, 202);
  const replayId = res.body.data.replay!.replay_id;
  const got = await consume(source, (all) => all.filter((m) => header(m, 'replay-id') === replayId).length >= 3);
  const mine = got.filter((m) => m.key?.toString() === id);
  const replays = mine.filter((m) => header(m, 'replay-id') === replayId);
  t.same(
    replays.map((m) => header(m, 'event-id')),
    events.map((e) => e.id),
    'the original event ids, in order',
  );
  t.ok(replays.every((m) => header(m, 'replay') === 'true'));

  const dedupe = createEventDeduplicator();
  const outcomes = [];
  for (const m of mine) {
    const decoded = decodeEventMessage(m);
    if (decoded.ok)
      outcomes.push({ replay: replayOf(m) !== null, ...(await dedupe.once(decoded.event.event_id, async () => 1)) });
  }
  t.ok(
    outcomes.filter((o) => o.replay).every((o) => o.duplicate),
    'every replay is a duplicate for a consumer that handled the originals',
  );
  await waitUntil('three more duplicates dropped', () => worker.state.duplicates >= duplicates + 3, patience);
  t.equal(requestsFor(id).length, 1, 'the worker drops the replays by event id: no second delivery');
});

t.test('redeliver: a failed record is published by the real worker', async (t) => {
  answer = () => ({ status: 503, body: 'down' });
  const id = await createRecord();
  await readUntil(stack, id, (r) => r.status === 'failed');
  answer = () => ({ status: 200, body: { url: 'https://cms.test/redelivered' } });

  // Dry runs first: the read model and the log stay exactly as they were.
  const before = await stack.read(id);
  const stored = await stack.store.readStream(`publishing_record-${id}`);
  for (const action of ['redeliver', 'republish']) {
    const dry = await asSupport(`publishing-records/${id}/${action}`, { reason: 'just looking', dry_run: true });
    t.equal(dry.status, 200, `${action} dry run`);
  }
  t.same(await stack.store.readStream(`publishing_record-${id}`), stored, 'no event appended');
  t.same((await stack.read(id)).body.data, before.body.data, 'the read model unchanged (still failed)');
  t.equal(before.body.data.revision, stored.at(-1)!.revision, 'and it had caught up, so nothing is pending');

  const res = await asSupport(`publishing-records/${id}/redeliver`, { reason: 'destination fixed, ticket 42' });
  t.equal(res.status, 202);
  const published = await readUntil(stack, id, (r) => r.status === 'published');
  t.match(published, { external_url: 'https://cms.test/redelivered', attempts: 2 });
  const events = await stack.store.readStream(`publishing_record-${id}`);
  t.same(
    events.slice(3).map((e) => [e.type, e.metadata.actor.role]),
    [
      ['PublishingRedeliveryRequested', 'support'],
      ['PublishingStarted', 'system_bot'],
      ['PublishingSucceeded', 'system_bot'],
    ],
  );
});

t.test('a record whose worker died after start is failed by the sweep, then redelivered', async (t) => {
  await worker.close(); // no worker: the record is claimed "by hand", as a worker that then died
  const id = await createRecord();
  const workerToken = signTestToken(
    { sub: 'worker-that-died', account_id: 1, role: 'system_bot' },
    { key: DEVELOPMENT_JWT_SECRET },
  );
  const claim = await fetch(`${stack.commandUrl}${API}/publishing-records/${id}/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${workerToken}` },
  });
  t.equal(claim.status, 200);
  const failed = await readUntil(stack, id, (r) => r.status === 'failed');
  t.match(failed.error_message, /^publishing timed out: attempt 1/);

  worker = await startWorker(); // the same group resumes; its claim of the old `created` is refused
  answer = () => ({ status: 200, body: { url: 'https://cms.test/after-timeout' } });
  t.equal((await asSupport(`publishing-records/${id}/redeliver`, { reason: 'worker crashed, INC-13' })).status, 202);
  const published = await readUntil(stack, id, (r) => r.status === 'published');
  t.match(published, { external_url: 'https://cms.test/after-timeout', attempts: 2 });
});

t.test('dead letters: listed, a dry run sends nothing, a re-drive sends them back once', async (t) => {
  // A record created while no worker reads: its `created` message is then dead-lettered by hand,
  // as a worker with an outdated contracts package would have, and the new worker starts at the end.
  await worker.close();
  const id = await createRecord();
  const [created] = await stack.store.readStream(`publishing_record-${id}`);
  const [original] = (await consume(source, (all) => all.some((m) => header(m, 'event-id') === created!.id))).filter(
    (m) => header(m, 'event-id') === created!.id,
  );
  const producer = kafka.producer();
  await producer.connect();
  defer(() => producer.disconnect());
  await producer.send({
    topic: dlq,
    messages: [
      {
        key: original!.key,
        value: original!.value,
        headers: {
          ...(original!.headers as Record<string, Buffer>),
          [DEAD_LETTER_HEADERS.reason]: 'EVENT_UNKNOWN_TYPE',
          [DEAD_LETTER_HEADERS.error]: 'unknown event_type',
          [DEAD_LETTER_HEADERS.sourceTopic]: source,
          [DEAD_LETTER_HEADERS.sourcePartition]: '0',
          [DEAD_LETTER_HEADERS.sourceOffset]: original!.offset,
        },
      },
    ],
  });
  // The new group starts at the end, the original behind it: its offsets are committed there
  // before it joins, so the re-driven copy sent later is read whenever its first fetch happens.
  const group = `redrive-late-${randomUUID()}`;
  const groupAdmin = kafka.admin();
  await groupAdmin.connect();
  const ends = await groupAdmin.fetchTopicOffsets(source);
  await groupAdmin.setOffsets({
    groupId: group,
    topic: source,
    partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
  });
  await groupAdmin.disconnect();
  worker = await startWorker(group, false);
  await waitUntil('the consumer to run', () => worker.state.consumer === 'running', patience);

  const admin: DeadLetterAdmin = {
    kafka,
    store: stack.store,
    topic: dlq,
    actor: { user_id: 'ops-anna', role: 'support' },
  };
  const { letters } = await listDeadLetters(admin);
  const mine = letters.find((l) => l.event_id === created!.id)!;
  t.match(mine, { source_topic: source, dlq_reason: 'EVENT_UNKNOWN_TYPE', redriven: null, key: id });

  const dry = await redriveDeadLetters(admin, { select: null, reason: 'worker upgraded', dry_run: true });
  t.match(dry, { dry_run: true, event: null });
  t.ok(dry.messages.some((m) => m.event_id === created!.id));
  t.same(await stack.store.readStream(deadLettersStream(dlq)), [], 'a dry run records nothing');

  const done = await redriveDeadLetters(admin, {
    select: [`${mine.partition}:${mine.offset}`],
    reason: 'worker upgraded',
    dry_run: false,
  });
  t.match(done, { dry_run: false, messages: [{ event_id: created!.id }] });
  const published = await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(published.attempts, 1, 'the re-driven message was handled by the worker');
  const [recorded] = await stack.store.readStream(deadLettersStream(dlq));
  t.match(recorded, {
    type: 'DeadLettersRedriven',
    data: {
      reason: 'worker upgraded',
      redrive_id: done.redrive_id,
      messages: [{ partition: mine.partition, offset: mine.offset }],
    },
    metadata: { actor: { user_id: 'ops-anna', role: 'support' } },
  });
  const back = await consume(source, (all) =>
    all.some((m) => header(m, REDRIVE_HEADERS.redriveId) === done.redrive_id),
  );
  const copy = back.find((m) => header(m, REDRIVE_HEADERS.redriveId) === done.redrive_id)!;
  t.equal(copy.value?.toString(), original!.value?.toString(), 'the value is untouched');
  t.equal(header(copy, DEAD_LETTER_HEADERS.reason), undefined, 'its dlq headers are removed');
  t.equal(header(copy, REDRIVE_HEADERS.redrivenFrom), `${dlq}/${mine.partition}/${mine.offset}`);

  const listed = await listDeadLetters(admin);
  t.match(listed.letters.find((l) => l.event_id === created!.id)?.redriven, { redrive_id: done.redrive_id });
  await t.rejects(
    redriveDeadLetters(admin, { select: [`${mine.partition}:${mine.offset}`], reason: 'again', dry_run: false }),
    { code: 'VALIDATION' },
    'a message goes back once',
  );
});
