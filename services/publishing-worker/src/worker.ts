import { createEventDeduplicator, createLruEventStore, decodeEventMessage } from '@publisher/contracts';
import { type EachMessagePayload, Partitioners } from 'kafkajs';
import pino from 'pino';
import { createCommandClient } from './command-client.ts';
import { type WorkerConfig, type WorkerOptions, workerDefaults, workerTopics } from './config.ts';
import { deadLetter } from './dead-letter.ts';
import {
  createWebhookAdapter,
  createWordPressAdapter,
  type Destinations,
  destinationsOf,
} from './destinations/index.ts';
import { createKafka, ensureTopics } from './kafka.ts';
import { publishRecord } from './process-record.ts';
import { sleep } from './sleep.ts';
import { initialWorkerState, serveStatus, type WorkerState } from './status.ts';
import { createTokenSource } from './token.ts';

export interface WorkerHandle {
  readonly state: Readonly<WorkerState>;
  /** Port of /health and /metrics, or null. */
  readonly port: number | null;
  /** Leaves the group after the message in hand is recorded (bounded by a grace period). */
  close(): Promise<void>;
}

/** How long `close()` lets an in-flight record finish before aborting its retries. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Starts the publishing worker: a consumer group on `publisher.publishing-records.v1` that publishes
 * every record that becomes pending, through the command API, with the destination adapters.
 * Resolves at once; connecting to Kafka and joining the group happen in the background (retried
 * while the broker is unreachable), `state.consumer` turns `running` once the group is joined.
 *
 * @example
 * const worker = await start({ brokers: ['127.0.0.1:9092'], commandApiUrl: 'http://127.0.0.1:3000', jwtSecret });
 * await worker.close();
 */
export async function start(options: WorkerOptions & { destinations?: Destinations }): Promise<WorkerHandle> {
  const config: WorkerConfig = { ...workerDefaults, ...options };
  const logger = config.logger ?? pino({ name: 'publishing-worker', level: config.logLevel });
  const topics = workerTopics(config);
  const state = initialWorkerState();
  const stop = new AbortController();
  const tokens = createTokenSource({
    secret: config.jwtSecret,
    subject: 'publishing-worker',
    policy: config.jwtPolicy,
  });
  const commands = createCommandClient({
    baseUrl: config.commandApiUrl,
    token: tokens.forAccount,
    timeoutMs: config.commandTimeoutMs,
    retryBudgetMs: config.commandRetryBudgetMs,
    logger,
    signal: stop.signal,
  });
  const destinations =
    options.destinations ??
    destinationsOf([
      createWebhookAdapter({ secret: config.webhookSecret, timeoutMs: config.deliveryTimeoutMs }),
      createWordPressAdapter({ ...config.wordpress, timeoutMs: config.deliveryTimeoutMs }),
    ]);
  const dedupe = createEventDeduplicator({ store: createLruEventStore(config.dedupeCapacity) });

  const kafka = createKafka({ brokers: config.brokers, clientId: config.clientId, logger });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner, // Java-compatible murmur2, as the relay's
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
  });
  const consumer = kafka.consumer({
    groupId: config.groupId,
    allowAutoTopicCreation: false,
    // A failing message is retried with growing pauses; the consumer restarts after the last one.
    retry: { retries: 8, initialRetryTime: 500, maxRetryTime: 30_000 },
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    state.consumer = 'running';
  });
  consumer.on(consumer.events.CRASH, (event) => {
    state.consumer = 'crashed';
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
  });

  const handle = async ({ topic, partition, message }: EachMessagePayload): Promise<void> => {
    state.messages++;
    const decoded = decodeEventMessage(message);
    const wrongTopic = decoded.ok && !decoded.event.event_type.startsWith('publisher.publishing_record.');
    if (!decoded.ok || wrongTopic) {
      const reason = decoded.ok
        ? { code: 'EVENT_WRONG_TOPIC', message: `${decoded.event.event_type} does not belong on ${topic}` }
        : decoded.error;
      await deadLetter(producer, topics.deadLetter, { topic, partition, message }, reason, config.groupId);
      state.deadLettered++;
      logger.warn({ topic, partition, offset: message.offset, code: reason.code }, 'message dead-lettered');
      return;
    }
    const event = decoded.event;
    try {
      const done = await dedupe.once(event.event_id, () =>
        publishRecord(event, { commands, destinations, logger, signal: stop.signal }),
      );
      if (done.duplicate) state.duplicates++;
      else if (done.result.outcome === 'published') state.published++;
      else if (done.result.outcome === 'failed') state.failed++;
      else state.skipped++;
    } catch (err) {
      state.errors++;
      const code = (err as { code?: string }).code ?? 'ERROR';
      state.lastError = { code, message: (err as Error).message, at: new Date().toISOString() };
      logger.error({ err, record_id: event.record_id, event_id: event.event_id }, 'handling failed; Kafka redelivers');
      throw err;
    }
  };

  // Kafka may not be up yet (or be restarting): the worker keeps trying in the background instead of
  // exiting, and reports `consumer: "starting"` meanwhile. Once running, kafkajs handles outages.
  const starting = new AbortController();
  const connecting = (async () => {
    for (let attempt = 0; !starting.signal.aborted; attempt++) {
      try {
        // The relay creates the source topic; creating both here too lets the worker start first.
        await ensureTopics(kafka, [topics.source, topics.deadLetter], {
          partitions: config.topicPartitions,
          replicationFactor: config.replicationFactor,
        });
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topic: topics.source, fromBeginning: config.fromBeginning });
        await consumer.run({ partitionsConsumedConcurrently: config.concurrency, eachMessage: handle });
        return;
      } catch (err) {
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
        logger.warn({ err, retry_in_ms: wait }, 'cannot start consuming from Kafka; retrying');
        await consumer.disconnect().catch(() => {});
        await producer.disconnect().catch(() => {});
        await sleep(wait, starting.signal);
      }
    }
  })();

  let status: Awaited<ReturnType<typeof serveStatus>> | null = null;
  if (config.port !== null) {
    status = await serveStatus({
      host: config.host,
      port: config.port,
      token: config.statusToken,
      group: config.groupId,
      state,
    });
  }
  logger.info(
    { group: config.groupId, topic: topics.source, command_api: config.commandApiUrl, port: status?.port ?? null },
    'publishing worker started',
  );

  let closing: Promise<void> | null = null;
  return {
    state,
    port: status?.port ?? null,
    close() {
      closing ??= (async () => {
        starting.abort();
        await connecting;
        const grace = setTimeout(() => stop.abort(), CLOSE_GRACE_MS);
        await consumer.disconnect().catch((err) => logger.warn({ err }, 'consumer disconnect failed'));
        clearTimeout(grace);
        stop.abort();
        await producer.disconnect().catch(() => {});
        await status?.close();
        state.consumer = 'stopped';
        logger.info('publishing worker stopped');
      })();
      return closing;
    },
  };
}
