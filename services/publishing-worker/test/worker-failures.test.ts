/**
 * The worker's failure paths, each through the real worker, relay, broker and command API: a proxy
 * in front of the command API misbehaves on cue (429/5xx, timeouts, 4xx), a loopback server plays
 * the destination.
 */
import { randomUUID } from 'node:crypto';
import { PUBLISHING_RECORDS_TOPIC, type PublishingRecordRepresentation } from '@publisher/contracts';
import { waitForTopics } from '@publisher/dev-infra';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, testLogger, waitUntil } from '@publisher/testing';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import t from 'tap';
import { DEAD_LETTER_HEADERS } from '../src/dead-letter.ts';
import { start } from '../src/worker.ts';
import { type Behaviour, commandProxy, type Rule } from './helpers/command-proxy.ts';
import { type Captured, loopbackServer, type Responder } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { readUntil, type Stack, startStack } from './helpers/stack.ts';
import { consumeUntil, headersOf } from './helpers/topic.ts';

/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 30_000, intervalMs: 50 };
const defer = cleanupStack(t);
const stack: Stack = await startStack(defer);
const proxy = await commandProxy(stack.commandUrl);
defer(proxy.close);

// The destination answers per record (its scenario's responder).
const answers = new Map<string, Responder>();
const destination = await loopbackServer((req: Captured) => {
  const body = JSON.parse(req.body) as { record_id: string };
  return (answers.get(body.record_id) ?? (() => ({ status: 200, body: { url: 'https://cms.test/default' } })))(req);
});
defer(destination.close);
const hookUrl = `http://hooks.publisher-test.example.com:${new URL(destination.url).port}/hook`;

// Generous for a loaded machine: a claim answered after this counts as lost (the late-answer path).
const COMMAND_TIMEOUT_MS = 3000;
const groupId = `worker-failures-${randomUUID()}`;
const CLAIM_HOLD_LIMIT_MS = 12_000;
const worker = await start({
  brokers: [stack.brokers],
  commandApiUrl: proxy.url,
  jwtSecret: DEVELOPMENT_JWT_SECRET,
  topicPrefix: stack.prefix,
  groupId,
  port: null,
  databaseUrl: stack.dbUrl,
  destinationPolicy: { allowPrivate: true },
  resolve: loopbackResolver,
  deliveryTimeoutMs: 1500,
  commandTimeoutMs: COMMAND_TIMEOUT_MS,
  commandRetryBudgetMs: 4000,
  outcomeRetryBudgetMs: 4000,
  claimHoldLimitMs: CLAIM_HOLD_LIMIT_MS,
  logger: testLogger('worker'),
});
defer(() => worker.close());

const kafka = new Kafka({ brokers: [stack.brokers], logLevel: logLevel.NOTHING });
const source = stack.prefix + PUBLISHING_RECORDS_TOPIC;

/** Creates a webhook record whose command calls follow `rule` and whose destination answers `answer`. */
async function scenario(rule: Rule, answer?: Responder): Promise<string> {
  const res = await stack.command('POST', 'publishing-records/', {
    content_id: 42,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: hookUrl },
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  const id = res.body.data.id;
  proxy.setRule(id, rule);
  if (answer) answers.set(id, answer);
  return id;
}

const forward: Behaviour = { kind: 'forward' };
const on =
  (action: string, attempts: (attempt: number) => Behaviour): Rule =>
  (call) =>
    call.action === action ? attempts(call.attempt) : forward;
const deliveries = (id: string) => destination.requests.filter((r) => JSON.parse(r.body).record_id === id).length;
const events = async (id: string) =>
  (await stack.store.readStream(`publishing_record-${id}`)).map((e) => e.type as string);

t.test('start: 503 and 429 are retried in place until the command API takes the claim', async (t) => {
  const unavailable = await scenario(on('start', (n) => (n <= 2 ? { kind: 'answer', status: 503 } : forward)));
  const throttled = await scenario(on('start', (n) => (n === 1 ? { kind: 'answer', status: 429 } : forward)));
  for (const id of [unavailable, throttled]) await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(proxy.calls(unavailable, 'start'), 3, 'two 503s, then the claim');
  t.equal(proxy.calls(throttled, 'start'), 2, 'one 429, then the claim');
  t.equal(deliveries(unavailable) + deliveries(throttled), 2, 'each delivered once');
});

t.test('a timed-out start answered later by 409 or 404: nothing is delivered, the worker moves on', async (t) => {
  // The claim reaches the API but its answer comes too late; the retry meets the applied claim (409).
  const late = await scenario(
    on('start', (n) => (n === 1 ? { kind: 'forward-late', delayMs: COMMAND_TIMEOUT_MS + 2000 } : forward)),
  );
  await waitUntil('a second start of the late record', () => proxy.calls(late, 'start') >= 2, patience);
  const record = await readUntil(stack, late, (r) => r.status === 'publishing');
  t.equal(record.attempts, 1);
  await waitUntil('a skipped record', () => worker.state.skipped > 0, patience);
  t.equal(deliveries(late), 0, 'an ambiguous claim is never delivered twice (nor at all, here)');
  t.same(await events(late), ['PublishingRecordCreated', 'PublishingStarted']);

  // The first claim never arrives; meanwhile the record is deleted, so the retry gets 404.
  const skippedBefore = worker.state.skipped;
  let deleted = false;
  const gone = await scenario(
    on('start', (n) => {
      if (n === 1) return { kind: 'hang' };
      return deleted ? forward : { kind: 'answer', status: 503 };
    }),
  );
  await waitUntil('a start of the vanished record', () => proxy.calls(gone, 'start') >= 1, patience);
  t.equal((await stack.command('DELETE', `publishing-records/${gone}`)).status, 200);
  deleted = true;
  await waitUntil(
    'another start of the vanished record, then its skip',
    () => proxy.calls(gone, 'start') >= 2 && worker.state.skipped > skippedBefore,
    patience,
  );
  t.equal(deliveries(gone), 0);
  t.same(await events(gone), ['PublishingRecordCreated', 'PublishingRecordDeleted']);
});

t.test('start refused with another 4xx: COMMAND_API_REJECTED, kept and tried again (never skipped)', async (t) => {
  let fixed = false;
  const id = await scenario(
    on('start', () => (fixed ? forward : { kind: 'answer', status: 401, body: { code: 'AUTH_TOKEN_INVALID' } })),
  );
  await waitUntil(
    'a rejected start, tried again',
    () => worker.state.lastError?.code === 'COMMAND_API_REJECTED' && proxy.calls(id, 'start') >= 2,
    patience,
  );
  t.match(worker.state.lastError, {
    code: 'COMMAND_API_REJECTED',
    message: /refused start of .* 401 AUTH_TOKEN_INVALID/,
  });
  t.equal(deliveries(id), 0);
  fixed = true; // e.g. the operator fixed JWT_SECRET
  await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(deliveries(id), 1);
});

t.test('a 2xx whose body is not a record is retried like an unanswered attempt, never delivered on', async (t) => {
  const junk = { success: true, data: {} };
  // Not forwarded: the claim was never made; past the budget the message is kept, and handled once fixed.
  let fixed = false;
  const unclaimed = await scenario(on('start', () => (fixed ? forward : { kind: 'answer', status: 200, body: junk })));
  const notARecord = new RegExp(
    `unavailable for start of ${unclaimed}: 200 with a body that is not a publishing record`,
  );
  await waitUntil(
    'the error that it is not a record',
    () => notARecord.test(worker.state.lastError?.message ?? ''),
    patience,
  );
  t.equal(worker.state.lastError?.code, 'COMMAND_API_UNAVAILABLE');
  t.ok(proxy.calls(unclaimed, 'start') >= 2, 'retried');
  t.equal(deliveries(unclaimed), 0, 'nothing is delivered on an answer that is not a claimed record');
  fixed = true;
  await readUntil(stack, unclaimed, (r) => r.status === 'published');
  t.equal(deliveries(unclaimed), 1);

  // Forwarded: the claim was applied, the answer replaced; the retry meets the claim (409) and stops there.
  const claimed = await scenario(
    on('start', (n) => (n === 1 ? { kind: 'forward-replaced', status: 200, body: junk } : forward)),
  );
  await waitUntil('a second start of the claimed record', () => proxy.calls(claimed, 'start') >= 2, patience);
  await readUntil(stack, claimed, (r) => r.status === 'publishing');
  t.equal(deliveries(claimed), 0, 'a claim whose answer could not be read is not delivered');
  t.same(await events(claimed), ['PublishingRecordCreated', 'PublishingStarted']);
});

t.test('start unavailable past its budget: the message stays uncommitted until it is handled', async (t) => {
  let up = false;
  const id = await scenario(on('start', () => (up ? forward : { kind: 'answer', status: 503 })));
  const { partition, offset } = await locate(id);
  await waitUntil(
    'an unavailable command API, tried again',
    () => worker.state.lastError?.code === 'COMMAND_API_UNAVAILABLE' && proxy.calls(id, 'start') >= 4,
    patience,
  );
  t.ok((await committed(partition)) <= offset, 'the group has not committed past the held message');
  up = true;
  await readUntil(stack, id, (r) => r.status === 'published');
  await waitUntil('the offset to be committed', async () => (await committed(partition)) > offset, patience);
  t.pass('and commits past it once it is handled');
});

t.test('a claim failing past the hold limit is dead-lettered; replaying the dead letter publishes it', async (t) => {
  let up = false;
  const id = await scenario(on('start', () => (up ? forward : { kind: 'answer', status: 503 })));
  const [dead] = (await readDeadLetterMessages([id])).values();
  t.equal(dead?.headers[DEAD_LETTER_HEADERS.reason], 'CLAIM_NOT_MADE');
  t.match(dead?.headers[DEAD_LETTER_HEADERS.error], /claim of .* failed for \d+ ms: command API unavailable for start/);
  t.equal((await stack.read(id)).body.data.status, 'pending', 'the record is still pending');
  t.equal(deliveries(id), 0);

  // The operator's move once the command API is healthy: put the dead letter back on the topic.
  up = true;
  const original = Object.fromEntries(
    Object.entries(dead!.raw.headers ?? {}).filter(([k]) => !k.startsWith('dlq-')),
  ) as Record<string, Buffer>;
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: source, messages: [{ key: dead!.raw.key, value: dead!.raw.value, headers: original }] });
  await producer.disconnect();
  await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(deliveries(id), 1);
});

t.test('succeed/fail retried within a budget, then dead-lettered with the outcome; the worker goes on', async (t) => {
  const unrecorded = await scenario(
    on('succeed', () => ({ kind: 'answer', status: 503 })),
    () => ({
      status: 200,
      body: { url: 'https://cms.test/made-it', id: 'ext-9' },
    }),
  );
  const refused = await scenario(
    on('fail', () => ({ kind: 'answer', status: 400, body: { code: 'VALIDATION' } })),
    () => ({
      status: 500,
    }),
  );
  const dead = await readDeadLetters([unrecorded, refused]);
  const first = dead.get(unrecorded)!;
  t.equal(first[DEAD_LETTER_HEADERS.reason], 'OUTCOME_NOT_RECORDED');
  t.equal(first[DEAD_LETTER_HEADERS.outcome], 'published');
  t.same(JSON.parse(first[DEAD_LETTER_HEADERS.outcomeDetail]!), {
    external_url: 'https://cms.test/made-it',
    external_id: 'ext-9',
  });
  t.match(first[DEAD_LETTER_HEADERS.error], /command API unavailable for succeed .* 503/);
  t.ok(proxy.calls(unrecorded, 'succeed') >= 2, 'retried before giving up');
  const second = dead.get(refused)!;
  t.equal(second[DEAD_LETTER_HEADERS.outcome], 'failed');
  t.equal(second[DEAD_LETTER_HEADERS.outcomeDetail], 'webhook answered 500 (server error)');
  t.equal(proxy.calls(refused, 'fail'), 1, 'a 400 is not retried');
  for (const id of [unrecorded, refused]) t.equal((await stack.read(id)).body.data.status, 'publishing');
  t.ok(worker.state.outcomesDeadLettered >= 2);

  const after = await scenario(on('start', () => forward));
  await readUntil(stack, after, (r) => r.status === 'published');
  t.pass('later records are still published');
});

t.test('destination answers at worker level: 4xx, 5xx with a NUL, 429, timeout; odd strings cleaned', async (t) => {
  const cases: Array<[Responder, string]> = [
    [() => ({ status: 422, body: { error: 'bad' } }), 'webhook answered 422 (client error)'],
    [() => ({ status: 500, body: 'oops\u0000\ud800' }), 'webhook answered 500 (server error)'],
    [() => ({ status: 429, headers: { 'retry-after': '60' } }), 'webhook answered 429 (rate limited)'],
    [() => ({ status: 200, delayMs: 5000 }), 'did not answer within 1500 ms (timeout)'],
  ];
  const ids = await Promise.all(cases.map(([answer]) => scenario(() => forward, answer)));
  for (const [i, id] of ids.entries()) {
    const failed = await readUntil(stack, id, (r) => r.status === 'failed');
    t.match(failed.error_message, cases[i]![1]);
    t.equal(failed.attempts, 1);
  }
  const odd = await scenario(
    () => forward,
    () => ({
      status: 200,
      body: { url: 'https://cms.test/odd', id: `id\u0000--${'😀'.repeat(200)}\ud800` },
    }),
  );
  const published: PublishingRecordRepresentation = await readUntil(stack, odd, (r) => r.status === 'published');
  t.equal(published.external_id?.length, 254, 'cut to 255 units without splitting a pair');
  t.match(published.external_id, /^id--(?:😀)+$/u, 'NUL gone, no broken surrogate');
});

/** Where the record's `created` event sits on the topic. */
async function locate(recordId: string): Promise<{ partition: number; offset: number }> {
  let found = { partition: -1, offset: -1 };
  await consumeUntil(kafka, source, ({ partition, message }) => {
    if (message.key?.toString() !== recordId) return false;
    found = { partition, offset: Number(message.offset) };
    return true;
  });
  return found;
}

/** The worker group's committed offset of a partition (-1: none yet). */
async function committed(partition: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [source] });
    return Number(topic?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

/** Dead letters (headers) by record id, once every one of `ids` has one. */
async function readDeadLetters(ids: string[]): Promise<Map<string, Record<string, string>>> {
  const found = await readDeadLetterMessages(ids);
  return new Map([...found].map(([id, m]) => [id, m.headers]));
}

async function readDeadLetterMessages(
  ids: string[],
): Promise<Map<string, { headers: Record<string, string>; raw: KafkaMessage }>> {
  const topic = `${source}.dlq`;
  await waitForTopics(stack.brokers, [topic], { timeoutMs: 30_000 });
  const found = new Map<string, { headers: Record<string, string>; raw: KafkaMessage }>();
  await consumeUntil(
    kafka,
    topic,
    (payload) => {
      const headers = headersOf(payload);
      const id = headers[DEAD_LETTER_HEADERS.recordId];
      if (id && ids.includes(id)) found.set(id, { headers, raw: payload.message });
      return found.size === ids.length;
    },
    45_000,
  );
  return found;
}
