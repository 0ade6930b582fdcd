/**
 * examples/kafka-consumer, run as another team runs it (plain node, the packed @publisher/contracts
 * and kafkajs installed with npm outside the workspace) against the real broker and the real relay
 * output: it handles every event once, commits only after its state is on disk, skips redeliveries
 * and replays by event id, never lets an older event roll a record back, and parks what it cannot
 * trust.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_HEADERS } from '@publisher/contracts';
import { cleanupStack } from '@publisher/testing';
import { Kafka, logLevel } from 'kafkajs';
import t from 'tap';
import { outsideProject, REPO_ROOT, spawnOutside } from './helpers/outside-project.ts';
import { type Received, relayOutput } from './helpers/relay-output.ts';

const defer = cleanupStack(t);
const relay = await relayOutput(defer, 'example');
const project = await outsideProject(defer, [{ name: 'kafkajs', from: 'packages/consumer-tests' }]);
cpSync(path.join(REPO_ROOT, 'examples/kafka-consumer/src'), path.join(project.dir, 'src'), { recursive: true });

const kafka = new Kafka({ brokers: [relay.brokers], logLevel: logLevel.NOTHING, clientId: 'example-test' });
const admin = kafka.admin();
await admin.connect();
defer(() => admin.disconnect());

interface State {
  records: Record<string, { status: string; position: string }>;
  processed: string[];
  parked: Array<{ code: string }>;
  counts: { handled: number; duplicates: number; replays: number; stale: number; ignored: number; parked: number };
}

const readState = (file: string): State | null =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as State) : null;

/** Starts the example; `stop` sends SIGTERM and resolves with the exit code. */
function startConsumer(group: string, stateFile: string) {
  const child = spawnOutside('node', ['src/main.js'], {
    cwd: project.dir,
    env: {
      KAFKA_BROKERS: relay.brokers,
      KAFKA_TOPIC_PREFIX: relay.prefix,
      CONSUMER_GROUP: group,
      STATE_FILE: stateFile,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  defer(() => child.kill('SIGKILL'));
  return {
    exited,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls the state file until `done(state)` holds (60 s at most). */
async function waitForState(file: string, done: (s: State) => boolean, output: () => string): Promise<State> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = readState(file);
    if (state && done(state)) return state;
    if (Date.now() > deadline) {
      throw new Error(`state never got there: ${JSON.stringify(state?.counts)}\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The group's committed offset per topic:partition ('-1': nothing committed). */
async function committed(group: string): Promise<Record<string, string>> {
  const offsets = await admin.fetchOffsets({ groupId: group, topics: relay.topics });
  return Object.fromEntries(offsets.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, p.offset])));
}

/** Partitions of the run's topics with messages after the group's committed offset. */
async function uncommitted(group: string): Promise<string[]> {
  const commits = await committed(group);
  const behind: string[] = [];
  for (const topic of relay.topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const at = Number(commits[`${topic}:${p.partition}`] ?? -1);
      if (Math.max(at, 0) < Number(p.high)) behind.push(`${topic}:${p.partition} at ${at} of ${p.high}`);
    }
  }
  return behind;
}

/** How many messages the run's topics hold. */
async function messageCount(): Promise<number> {
  let total = 0;
  for (const topic of relay.topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  }
  return total;
}

const statuses = (state: State) => new Map(Object.entries(state.records).map(([id, r]) => [id, r.status]));
const group = `example-${randomUUID().slice(0, 8)}`;
const stateFile = path.join(project.dir, 'state.json');

t.test('handles every event once, then commits: the records end in their final status', async (t) => {
  const consumer = startConsumer(group, stateFile);
  const state = await waitForState(stateFile, (s) => s.counts.handled >= relay.messages.length, consumer.output);
  t.equal(await consumer.stop(), 0, 'stops cleanly on SIGTERM');
  t.same(state.counts, {
    handled: relay.messages.length,
    duplicates: 0,
    replays: 0,
    stale: 0,
    ignored: 0,
    parked: 0,
  });
  t.same(statuses(state), relay.finalStatus);
  t.same(new Set(state.processed), new Set(relay.messages.map((m) => m.headers['event-id'])));
  t.same(await uncommitted(group), [], 'the offsets of everything handled are committed');
});

t.test(
  'after a restart: replays and redeliveries are duplicates, an older event never rolls back, garbage is parked',
  async (t) => {
    const before = readState(stateFile)!;
    const byType = (type: string) => relay.messages.find((m) => m.headers['event-type'] === type)!;
    const published = byType('publisher.publishing_record.published');
    const started = byType('publisher.publishing_record.started');
    const replayId = randomUUID();
    const asMessage = (m: Received, extra: Record<string, string> = {}, value = m.value) => ({
      key: m.key,
      value,
      headers: { ...m.headers, ...extra },
    });
    const replayed = relay.messages
      .filter((m) => m.key === published.key)
      .map((m) => asMessage(m, { replay: 'true', 'replay-id': replayId }));
    const unseenOlder = asMessage(
      started,
      {},
      JSON.stringify({ ...JSON.parse(started.value), event_id: randomUUID() }),
    );
    unseenOlder.headers[EVENT_HEADERS.eventId] = JSON.parse(unseenOlder.value).event_id;
    // An event type Publisher may add later: a consumer on an older package ignores it.
    const futureId = randomUUID();
    const fromTheFuture = asMessage(
      started,
      { [EVENT_HEADERS.eventType]: 'publisher.publishing_record.archived', [EVENT_HEADERS.eventId]: futureId },
      JSON.stringify({
        ...JSON.parse(started.value),
        event_id: futureId,
        event_type: 'publisher.publishing_record.archived',
      }),
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: published.topic,
      messages: [
        ...replayed,
        asMessage(published), // a plain redelivery
        unseenOlder,
        fromTheFuture,
        { key: published.key, value: 'not json', headers: {} },
      ],
    });
    await producer.disconnect();

    const consumer = startConsumer(group, stateFile);
    const extra = replayed.length + 4;
    const state = await waitForState(
      stateFile,
      (s) =>
        s.counts.handled + s.counts.duplicates + s.counts.ignored + s.counts.parked >= relay.messages.length + extra,
      consumer.output,
    );
    t.equal(await consumer.stop(), 0);
    t.same(
      state.counts,
      {
        handled: before.counts.handled + 1,
        duplicates: replayed.length + 1,
        replays: replayed.length,
        stale: 1,
        ignored: 1,
        parked: 1,
      },
      'nothing committed before the restart was handled again',
    );
    t.same(statuses(state), relay.finalStatus, 'no record moved back');
    t.equal(state.records[published.key]?.position, JSON.parse(published.value).position);
    t.same(
      state.parked.map((p) => p.code),
      ['EVENT_INVALID_JSON'],
    );
    t.match(consumer.output(), new RegExp(`"replay_id":"${replayId}"`), 'replays are logged with their re-drive id');
    t.same(await uncommitted(group), []);
  },
);

t.test(
  'no commit without durable state: a consumer that cannot save exits, and a fixed one handles it all',
  async (t) => {
    const fresh = `example-${randomUUID().slice(0, 8)}`;
    const unwritable = path.join(project.dir, 'no-such-directory', 'state.json');
    const broken = startConsumer(fresh, unwritable);
    t.equal(await broken.exited, 1, 'exits with status 1');
    t.match(broken.output(), /cannot save the state; exiting without committing/);
    t.ok(
      Object.values(await committed(fresh)).every((offset) => offset === '-1'),
      'nothing was committed',
    );

    const fixedFile = path.join(project.dir, 'fresh-state.json');
    const fixed = startConsumer(fresh, fixedFile);
    const total = await messageCount();
    const state = await waitForState(
      fixedFile,
      (s) => s.counts.handled + s.counts.duplicates + s.counts.ignored + s.counts.parked >= total,
      fixed.output,
    );
    t.equal(await fixed.stop(), 0);
    t.same(statuses(state), relay.finalStatus, 'the same view from the beginning of the topics');
    t.same(await uncommitted(fresh), []);
  },
);
