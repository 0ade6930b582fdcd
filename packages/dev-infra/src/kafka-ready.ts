import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaInfraError } from './kafka-errors.ts';

export interface WaitForKafkaOptions {
  /** Give up after this long (default 90 s: a cold JVM on a busy 2-core box). */
  timeoutMs?: number;
  /** Stops waiting early (e.g. the broker process exited); the wait then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Resolves once the broker at `brokers` serves real clients: a kafkajs admin connects, lists topics
 * and has the controller validate a topic creation; then it warms the group coordinator
 * (`__consumer_offsets`) and the producer-id allocator so the first consumer group and idempotent
 * producer of a test do not start with "coordinator not available" retries.
 *
 * @example
 * await waitForKafka('127.0.0.1:9092', { timeoutMs: 30_000 });
 */
export async function waitForKafka(brokers: string, opts: WaitForKafkaOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  const retryUntil = (attempt: () => Promise<unknown>) => retry(deadline, attempt, opts.signal);
  await retryUntil(() => tcpProbe(brokers));
  const kafka = new Kafka({
    clientId: 'publisher-dev-infra-ready',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  try {
    await retryUntil(async () => {
      await admin.connect();
      await admin.listTopics();
      await admin.createTopics({
        validateOnly: true,
        waitForLeaders: false,
        topics: [{ topic: 'publisher-dev-infra-readiness', numPartitions: 1 }],
      });
    });
    await retryUntil(async () => {
      const { groups } = await admin.describeGroups(['publisher-dev-infra-readiness']);
      if (groups.length !== 1) throw new Error('group coordinator not ready');
    });
    await retryUntil(() => producer.connect());
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function retry(
  deadline: number,
  attempt: () => Promise<unknown>,
  signal?: AbortSignal,
  what = 'Kafka did not become ready',
): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      await attempt();
      return;
    } catch (err) {
      last = err;
      signal?.throwIfAborted();
      await sleep(200);
    }
  }
  throw new KafkaInfraError('KAFKA_START_TIMEOUT', `${what}: ${String(last)}`, { cause: last });
}

function tcpProbe(brokers: string): Promise<void> {
  const [host = '127.0.0.1', port = '9092'] = (brokers.split(',')[0] ?? '').split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('connect timeout'));
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

/**
 * Resolves once every partition of `topics` has a leader in the broker's metadata. Right after
 * `createTopics` a KRaft broker can still answer UNKNOWN_TOPIC_OR_PARTITION for a moment (its metadata
 * cache trails the controller), and kafkajs's `waitForLeaders` gives up on that error instead of
 * retrying, so tests that create a topic and use it at once wait with this.
 *
 * @example
 * await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
 * await waitForTopics(brokers, [topic]);
 */
export async function waitForTopics(
  brokers: string,
  topics: string[],
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const kafka = new Kafka({
    clientId: 'publisher-dev-infra-topics',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await retry(
      deadline,
      async () => {
        await admin.connect();
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        const leaderless = found.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (found.length < topics.length || leaderless.length > 0) throw new Error('partitions without a leader');
      },
      opts.signal,
      `topics ${topics.join(', ')} have no leader yet`,
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
