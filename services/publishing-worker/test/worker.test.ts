import { randomUUID } from 'node:crypto';
import { PUBLISHING_RECORDS_TOPIC } from '@publisher/contracts';
import { waitForTopics } from '@publisher/dev-infra';
import { DEVELOPMENT_JWT_SECRET } from '@publisher/platform';
import { cleanupStack, scrapeMetrics, testLogger, waitUntil } from '@publisher/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { DEAD_LETTER_HEADERS } from '../src/dead-letter.ts';
import { credentialKey } from '../src/destinations/index.ts';
import { start, type WorkerHandle } from '../src/worker.ts';
import { type Captured, loopbackServer } from './helpers/http-server.ts';
import { loopbackResolver } from './helpers/resolver.ts';
import { readUntil, type Stack, startStack, tokenFor } from './helpers/stack.ts';
import { consumeUntil, headersOf } from './helpers/topic.ts';

/** How long, and how often, the waits below poll. */
const patience = { timeoutMs: 30_000, intervalMs: 50 };
const defer = cleanupStack(t);
// The command API runs with the production policy: it accepts public-looking names, which the
// worker's resolver maps to the loopback test servers (the worker opts into private addresses).
const stack: Stack = await startStack(defer);
const source = stack.prefix + PUBLISHING_RECORDS_TOPIC;

// The destination: a real HTTP server; its answer changes per scenario.
let webhookAnswer: (req: Captured) => { status: number; body?: unknown } = () => ({ status: 200 });
const webhook = await loopbackServer((req) => webhookAnswer(req));
defer(webhook.close);
const wordpress = await loopbackServer(() => ({ status: 201, body: { id: 501, link: 'https://blog.test/?p=501' } }));
defer(wordpress.close);
const webhookHost = `hooks.publisher-test.example.com:${new URL(webhook.url).port}`;
const blogUrl = `http://blog.publisher-test.example.com:${new URL(wordpress.url).port}`;

const startWorker = (groupId: string): Promise<WorkerHandle> =>
  start({
    brokers: [stack.brokers],
    commandApiUrl: stack.commandUrl,
    jwtSecret: DEVELOPMENT_JWT_SECRET,
    topicPrefix: stack.prefix,
    groupId,
    port: 0,
    databaseUrl: stack.dbUrl,
    destinationPolicy: { allowPrivate: true },
    resolve: loopbackResolver,
    wordpressCredentials: new Map([
      [
        credentialKey(1, 3),
        { account_id: 1, site_id: 3, site_url: blogUrl, username: 'bot', application_password: 'app pass' },
      ],
    ]),
    deliveryTimeoutMs: 2000,
    logger: testLogger('worker'),
  });
const worker = await startWorker(`worker-${randomUUID()}`);
defer(() => worker.close());

const kafka = new Kafka({ brokers: [stack.brokers], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
await producer.connect();
defer(() => producer.disconnect());

async function createRecord(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.command('POST', 'publishing-records/', {
    content_id: 42,
    site_id: 3,
    sector_id: 5,
    destination: 'webhook',
    destination_config: { url: `http://${webhookHost}/hook` },
    metadata: { title: 'Hello' },
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.data.id as string;
}

const requestsFor = (id: string) => webhook.requests.filter((r) => JSON.parse(r.body).record_id === id);

t.test('a rotation signs the very next delivery: with grace 0 only the new secret, with a grace both', async (t) => {
  const admin = tokenFor({ account_id: 1, role: 'admin' });
  webhookAnswer = () => ({ status: 200, body: {} });
  const deliveredSignature = async () => {
    const id = await createRecord();
    await readUntil(stack, id, (r) => r.status === 'published');
    const [req] = requestsFor(id);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, req!.headers[h] as string]),
    );
    return { body: req!.body, headers };
  };
  const before = (await stack.command('GET', 'webhook-signing-secret/', undefined, admin)).body.data as unknown as {
    secret: string;
  };
  await deliveredSignature(); // the worker has read (and, were it cached, kept) the current secret
  const rotate = async (grace_seconds: number) =>
    (
      (await stack.command('POST', 'webhook-signing-secret/rotate', { grace_seconds }, admin)).body.data as unknown as {
        secret: string;
      }
    ).secret;

  const revoking = await rotate(0);
  const first = await deliveredSignature();
  t.match(new Webhook(revoking).verify(first.body, first.headers), Object, 'the new secret signs the next delivery');
  t.throws(() => new Webhook(before.secret).verify(first.body, first.headers), 'the revoked secret signs nothing');
  t.equal(first.headers['webhook-signature']!.split(' ').length, 1, 'one signature');

  const next = await rotate(600);
  const second = await deliveredSignature();
  t.match(new Webhook(next).verify(second.body, second.headers), Object, 'the new secret signs at once');
  t.match(new Webhook(revoking).verify(second.body, second.headers), Object, 'and the retiring one during its grace');
});

t.test(
  'what a destination answers is cleaned of credentials and unusable URLs before it is recorded, and a 2xx stays a success',
  async (t) => {
    webhookAnswer = () => ({
      status: 200,
      body: {
        url: 'https://admin:S3cretPass@cms.test/p/1?access_token=abc&page=2',
        id: 'Bearer sk_live_abcdefghijklmnop',
      },
    });
    const cleaned = await readUntil(stack, await createRecord(), (r) => r.status === 'published');
    t.match(cleaned, { external_url: 'https://cms.test/p/1?page=2', external_id: null, attempts: 1 });
    const events = await stack.store.readStream(`publishing_record-${cleaned.id}`);
    t.notMatch(JSON.stringify(events), /S3cretPass|access_token|sk_live/, 'nothing of it in the history');

    webhookAnswer = () => ({ status: 200, body: { url: `https://cms.test/${'x'.repeat(2100)}`, id: 'ok-1' } });
    const long = await readUntil(stack, await createRecord(), (r) => r.status === 'published');
    t.match(
      long,
      { external_url: `http://${webhookHost}/hook`, external_id: 'ok-1' },
      'an unusable URL gives way to the webhook’s',
    );
  },
);

t.test('create → the worker delivers a signed webhook → the read side shows it published with the URL', async (t) => {
  const admin = tokenFor({ account_id: 1, role: 'admin' });
  webhookAnswer = (req) => ({
    status: 200,
    body: { url: `https://cms.test/${JSON.parse(req.body).record_id}`, id: 'ext-1' },
  });
  const id = await createRecord();
  const record = await readUntil(stack, id, (r) => r.status === 'published');
  t.match(record, { status: 'published', external_url: `https://cms.test/${id}`, external_id: 'ext-1', attempts: 1 });
  t.ok(record.published_at, 'published_at is set');

  const [req] = requestsFor(id);
  t.ok(req, 'the webhook was called');
  t.equal(req!.headers.host, webhookHost, 'at the name the record holds');
  // The account's admin obtains the secret from the command API and verifies with a standard library.
  const secret = await stack.command('GET', 'webhook-signing-secret/', undefined, admin);
  const { secret: whsec } = secret.body.data as unknown as { secret: string };
  const headers = Object.fromEntries(
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, req!.headers[h] as string]),
  );
  t.match(new Webhook(whsec).verify(req!.body, headers), { record_id: id }, 'with a valid Standard Webhooks signature');
  const other = await stack.command(
    'GET',
    'webhook-signing-secret/',
    undefined,
    tokenFor({ account_id: 2, role: 'admin' }),
  );
  const otherSecret = (other.body.data as unknown as { secret: string }).secret;
  t.throws(() => new Webhook(otherSecret).verify(req!.body, headers), 'another account’s secret does not verify it');
  t.match(JSON.parse(req!.body), {
    content_id: 42,
    account_id: 1,
    site_id: 3,
    sector_id: 5,
    metadata: { title: 'Hello' },
  });

  // Every change is an ordinary command by the worker: the events name it (system_bot) as actor.
  const events = await stack.store.readStream(`publishing_record-${id}`);
  t.same(
    events.map((e) => [e.type, e.metadata.actor.role]),
    [
      ['PublishingRecordCreated', 'editor'],
      ['PublishingStarted', 'system_bot'],
      ['PublishingSucceeded', 'system_bot'],
    ],
  );
  t.equal(events[2]?.metadata.correlation_id, events[0]?.metadata.correlation_id, 'one correlation id for the chain');
});

t.test('a failing destination → failed with the error; retry → published', async (t) => {
  webhookAnswer = () => ({ status: 503, body: 'down for maintenance' });
  const id = await createRecord();
  const failed = await readUntil(stack, id, (r) => r.status === 'failed');
  t.equal(failed.error_message, 'webhook answered 503 (server error)', 'the body is not copied');
  t.equal(failed.attempts, 1);

  webhookAnswer = () => ({ status: 201, body: { external_url: 'https://cms.test/second-try' } });
  const retried = await stack.command('POST', `publishing-records/${id}/retry`);
  t.equal(retried.status, 200);
  const published = await readUntil(stack, id, (r) => r.status === 'published');
  t.match(published, { external_url: 'https://cms.test/second-try', attempts: 2 });
  t.equal(requestsFor(id).length, 2, 'one delivery per attempt');
  t.same(
    requestsFor(id).map((r) => JSON.parse(r.body).attempt),
    [1, 2],
  );
});

t.test('WordPress and an unknown destination', async (t) => {
  const wp = await createRecord({
    destination: 'wordpress',
    destination_config: { site_url: `${blogUrl}/` },
    metadata: { title: 'WP post', content: '<p>x</p>' },
  });
  const published = await readUntil(stack, wp, (r) => r.status === 'published');
  t.match(published, { external_url: 'https://blog.test/?p=501', external_id: '501' });
  t.equal(wordpress.requests[0]?.url, '/wp-json/wp/v2/posts');

  const unknown = await createRecord({ destination: 'carrier-pigeon', destination_config: {} });
  const failed = await readUntil(stack, unknown, (r) => r.status === 'failed');
  t.match(failed.error_message, /no adapter for destination "carrier-pigeon"/);
});

t.test('a duplicate delivery never publishes twice', async (t) => {
  webhookAnswer = () => ({ status: 200, body: { url: 'https://cms.test/once' } });
  const id = await createRecord();
  await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(requestsFor(id).length, 1);

  // The same event again on the topic (as after a relay crash): the worker's dedupe skips it.
  const [created] = await stack.store.readStream(`publishing_record-${id}`);
  const copy = await copyOfMessage(created!.id);
  const before = worker.state.duplicates;
  await producer.send({ topic: source, messages: [copy] });
  await waitUntil('the duplicate to be dropped', () => worker.state.duplicates > before, patience);

  // A second worker group with an empty memory replays the whole topic: every claim is refused.
  const second = await startWorker(`worker-replay-${randomUUID()}`);
  const total = worker.state.messages;
  await waitUntil('the second worker to see every message', () => second.state.messages >= total, patience);
  await second.close();
  t.equal(second.state.published + second.state.failed, 0, 'the replaying worker published nothing');
  t.ok(second.state.skipped > 0, `it skipped ${second.state.skipped} events (claims refused or no work)`);
  t.equal(requestsFor(id).length, 1, 'the destination saw exactly one delivery');
});

t.test('a poison message goes to the dead-letter topic with its reason, and the group goes on', async (t) => {
  const dlq = `${source}.dlq`;
  await producer.send({
    topic: source,
    messages: [
      { key: 'garbage', value: '{not json', headers: { 'event-id': 'x' } },
      {
        key: randomUUID(),
        value: JSON.stringify({ event_type: 'publisher.publishing_record.created', schema_version: 1 }),
      },
    ],
  });
  const dead = await readTopic(dlq, 2);
  const notJson = dead.find((m) => m.key === 'garbage');
  const wrongShape = dead.find((m) => m.key !== 'garbage');
  t.equal(notJson?.headers[DEAD_LETTER_HEADERS.reason], 'EVENT_INVALID_JSON');
  t.equal(wrongShape?.headers[DEAD_LETTER_HEADERS.reason], 'EVENT_SCHEMA_MISMATCH');
  t.match(wrongShape?.headers[DEAD_LETTER_HEADERS.error], /does not match its schema/);
  t.equal(notJson?.value, '{not json', 'the original value is kept for inspection');
  t.equal(notJson?.headers['event-id'], 'x', 'and the original headers');
  t.equal(notJson?.headers[DEAD_LETTER_HEADERS.sourceTopic], source);
  t.ok(worker.state.deadLettered >= 2);

  webhookAnswer = () => ({ status: 200, body: { url: 'https://cms.test/after-poison' } });
  const id = await createRecord();
  const record = await readUntil(stack, id, (r) => r.status === 'published');
  t.equal(record.external_url, 'https://cms.test/after-poison', 'records after the poison are still published');

  const health = await (await fetch(`http://127.0.0.1:${worker.port}/health`)).json();
  t.match(health, { status: 'ok', consumer: 'running' });
  const metrics = await scrapeMetrics(`http://127.0.0.1:${worker.port}/metrics`);
  t.ok(metrics.value('publisher_worker_dead_letters_total', { reason: 'undecodable' })! >= 1);
});

/** Reads a topic from the start until `count` messages arrived. */
async function readTopic(topic: string, count: number) {
  await waitForTopics(stack.brokers, [topic], { timeoutMs: 30_000 }); // the worker creates it in the background
  const got: Array<{ key: string | null; value: string | null; headers: Record<string, string> }> = [];
  await consumeUntil(kafka, topic, (payload) => {
    const { message } = payload;
    got.push({
      key: message.key?.toString() ?? null,
      value: message.value?.toString() ?? null,
      headers: headersOf(payload),
    });
    return got.length >= count;
  });
  return got;
}

/** The relay's message of one event, as it sits on the topic. */
async function copyOfMessage(eventId: string) {
  let copy: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> } | null = null;
  await consumeUntil(kafka, source, ({ message }) => {
    if (message.headers?.['event-id']?.toString() !== eventId) return false;
    copy = { key: message.key, value: message.value, headers: message.headers as Record<string, Buffer> };
    return true;
  });
  return copy!;
}
