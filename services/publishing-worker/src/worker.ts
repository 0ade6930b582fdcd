import {
  createEventDeduplicator,
  createLruEventStore,
  decodeEventMessage,
  type IntegrationEvent,
} from '@publisher/contracts';
import { type BackoffPolicy, createBackoff, errorCode, errorMessage, sleep } from '@publisher/coordination';
import type { Resolve } from '@publisher/destination-policy';
import { ConfigError } from '@publisher/platform/env';
import { createKafka, ensureTopics } from '@publisher/platform/kafka';
import { loggerOptions } from '@publisher/platform/logger';
import { contextFrom, inSpan, ServiceMetrics, SpanKind, serveStatus } from '@publisher/telemetry';
import { type EachMessagePayload, type KafkaMessage, Partitioners } from 'kafkajs';
import pino from 'pino';
import { createCommandClient } from './command-client.ts';
import { type WorkerConfig, type WorkerOptions, workerDefaults, workerTopics } from './config.ts';
import { DEAD_LETTER_HEADERS, deadLetter } from './dead-letter.ts';
import {
  createOutboundHttp,
  createWebhookAdapter,
  createWordPressAdapter,
  type Destinations,
  destinationsOf,
  type SigningSecretsOf,
} from './destinations/index.ts';
import { OutcomeNotRecordedError } from './errors.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { publishRecord } from './process-record.ts';
import { openSigningSecrets } from './signing-secrets.ts';
import { initialWorkerState, type WorkerState, workerHealth, workerMetrics } from './status.ts';
import { TenantScheduler } from './tenant-scheduler.ts';
import { createTokenSource } from './token.ts';

export interface WorkerHandle {
  readonly state: Readonly<WorkerState>;
  /** Port of /health and /metrics, or null. */
  readonly port: number | null;
  /** Port `/metrics` answers on (METRICS_PORT's server, or `port`); null when not served. */
  readonly metricsPort: number | null;
  /** Leaves the group after the records in flight are recorded (bounded by a grace period). */
  close(): Promise<void>;
}

/** Extra inputs, mainly for tests: adapters, a DNS resolver, the accounts' signing secrets. */
export interface WorkerInputs {
  destinations?: Destinations;
  /** Resolves destination host names (default: the system resolver); the policy checks every answer. */
  resolve?: Resolve;
  /** The accounts' signing secrets (default: read from DATABASE_URL). */
  signingSecrets?: SigningSecretsOf;
}

/**
 * How long `close()` lets records in flight finish before aborting their deliveries and retries:
 * two thirds of SHUTDOWN_GRACE_MS, so that committing their offsets and leaving the group fit in
 * the rest before the process exits anyway.
 */
export function drainGraceMs(shutdownGraceMs: number): number {
  return Math.floor((shutdownGraceMs * 2) / 3);
}
/**
 * Pauses between attempts at a message whose claim cannot be made (command API down or refusing), and
 * at Kafka: from 1 s, doubling up to 30 s, jittered so the slots that failed together do not retry together.
 */
const RETRY: BackoffPolicy = { firstMs: 1000, maxMs: 30_000, jitter: 'full' };

/**
 * Starts the publishing worker: a consumer group on `publisher.publishing-records.v1` that publishes
 * every record that becomes pending, through the command API, with the destination adapters.
 * Messages are taken off the partitions at once and run by a tenant-fair scheduler (per-account
 * concurrency, round-robin between accounts, one record at a time per record id); a partition's
 * offset is committed only up to its oldest message still in hand.
 * Resolves at once; connecting to Kafka and joining the group happen in the background (retried
 * while the broker is unreachable), `state.consumer` turns `running` once the group is joined.
 *
 * @example
 * const worker = await start({ brokers: ['127.0.0.1:9092'], commandApiUrl: 'http://127.0.0.1:3000', jwtSecret, databaseUrl });
 * await worker.close();
 */
export async function start(options: WorkerOptions & WorkerInputs): Promise<WorkerHandle> {
  const config: WorkerConfig = { ...workerDefaults, ...options };
  const logger = config.logger ?? pino(loggerOptions(config, 'publishing-worker'));
  const topics = workerTopics(config);
  const state = initialWorkerState();
  const metrics = config.telemetry.metricsEnabled ? new ServiceMetrics('worker') : null;
  const onDelivery = metrics ? workerMetrics(metrics, state) : undefined;
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
    outcomeRetryBudgetMs: config.outcomeRetryBudgetMs,
    logger,
    signal: stop.signal,
  });
  let secretsStore: Awaited<ReturnType<typeof openSigningSecrets>> | null = null;
  let signingSecrets = options.signingSecrets;
  if (!signingSecrets && !options.destinations) {
    if (!config.databaseUrl) {
      throw new ConfigError('databaseUrl is required for the accounts’ signing secrets', 'DATABASE_URL');
    }
    secretsStore = await openSigningSecrets(config.databaseUrl, config.database, logger);
    signingSecrets = secretsStore.of;
  }
  const outbound = createOutboundHttp(config.destinationPolicy, options.resolve);
  const destinations =
    options.destinations ??
    destinationsOf([
      createWebhookAdapter({
        http: outbound,
        secrets: signingSecrets as SigningSecretsOf,
        timeoutMs: config.deliveryTimeoutMs,
      }),
      createWordPressAdapter({
        http: outbound,
        credentials: config.wordpressCredentials,
        timeoutMs: config.deliveryTimeoutMs,
      }),
    ]);
  const dedupe = createEventDeduplicator({ store: createLruEventStore(config.dedupeCapacity) });
  const scheduler = new TenantScheduler({
    concurrency: config.concurrency,
    perTenant: config.tenantConcurrency,
    maxBuffered: config.bufferSize,
  });
  const offsets = new OffsetTracker();
  let draining = false;

  // kafkajs' errors at info, not error: it reports each retried request as one while it retries on its own.
  const kafka = createKafka({ brokers: config.brokers, clientId: config.clientId, logger, errorLevel: 'info' });
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
    retry: { retries: 8, initialRetryTime: 500, maxRetryTime: 30_000 },
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    state.consumer = 'running';
    const assigned = event.payload.memberAssignment[topics.source] ?? [];
    offsets.retain(new Set(assigned));
  });
  consumer.on(consumer.events.CRASH, (event) => {
    state.consumer = 'crashed';
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
  });

  // Commits trail the work: one commit per partition at a time, always the latest watermark.
  const commitTo = new Map<number, bigint>();
  let committing: Promise<void> = Promise.resolve();
  const commitSoon = (partition: number, next: bigint) => {
    commitTo.set(partition, next);
    committing = committing.then(async () => {
      if (commitTo.size === 0) return;
      const batch = [...commitTo].map(([p, o]) => ({ topic: topics.source, partition: p, offset: o.toString() }));
      commitTo.clear();
      await consumer.commitOffsets(batch).catch((err) => {
        // Lost in a rebalance, or the broker is away: the next owner re-reads from the last commit,
        // and duplicates are refused by event id and by the record's state machine.
        logger.warn({ err, offsets: batch }, 'offset commit failed');
      });
    });
  };
  const finish = (partition: number, message: KafkaMessage) => {
    const next = offsets.finish(partition, BigInt(message.offset));
    if (next !== null) commitSoon(partition, next);
  };

  /**
   * Works one pending cue until it is handled: published, failed, skipped, or dead-lettered with an
   * outcome that could not be recorded. A claim the command API cannot take is tried again with
   * growing pauses, never skipped. False when the worker stopped before it was handled (the
   * message stays uncommitted and is redelivered).
   */
  const work = async (event: IntegrationEvent, source: EachMessagePayload): Promise<boolean> => {
    const heldSince = Date.now();
    const retry = createBackoff(RETRY);
    for (let attempt = 0; ; attempt++) {
      if (draining && attempt === 0) return false;
      if (stop.signal.aborted) return false;
      try {
        const done = await dedupe.once(event.event_id, () =>
          publishRecord(event, { commands, destinations, logger, signal: stop.signal, onDelivery }),
        );
        if (done.duplicate) state.duplicates++;
        else if (done.result.outcome === 'published') state.published++;
        else if (done.result.outcome === 'failed') state.failed++;
        else state.skipped++;
        return true;
      } catch (err) {
        // Not dead-lettered (the worker is stopping): not handled, so not committed.
        if (err instanceof OutcomeNotRecordedError) return deadLetterOutcome(err, source);
        state.errors++;
        const code = String(errorCode(err) ?? 'ERROR');
        state.lastError = { code, message: errorMessage(err), at: new Date().toISOString() };
        if (Date.now() - heldSince >= config.claimHoldLimitMs) {
          // Held long enough: pinning the partition's commits forever would make every restart
          // re-read it. The record is still pending; replaying the dead letter publishes it.
          const reason = `claim of ${event.record_id} failed for ${Date.now() - heldSince} ms: ${errorMessage(err)}`;
          const sent = await deadLetterSafely(
            source,
            { code: 'CLAIM_NOT_MADE', message: reason },
            { [DEAD_LETTER_HEADERS.recordId]: event.record_id },
          );
          if (sent) state.claimsDeadLettered++;
          return sent;
        }
        const wait = retry.next();
        logger.error(
          { err, record_id: event.record_id, event_id: event.event_id, retry_in_ms: wait },
          'handling failed; the message is kept and tried again',
        );
        await sleep(wait, stop.signal);
      }
    }
  };

  /**
   * The dead letter is the only trace of what happened: retried until the broker takes it (true),
   * or the worker stops (false: the message is then not committed and comes back).
   */
  const deadLetterSafely = async (
    source: EachMessagePayload,
    reason: { code: string; message: string },
    headers: Record<string, string>,
  ): Promise<boolean> => {
    const retry = createBackoff(RETRY);
    while (!stop.signal.aborted) {
      try {
        await deadLetter(producer, topics.deadLetter, source, reason, config.groupId, headers);
        logger.error({ ...headers, code: reason.code, reason: reason.message }, 'message dead-lettered');
        return true;
      } catch (produceErr) {
        logger.warn({ err: produceErr }, 'dead-letter topic unavailable; retrying');
        await sleep(retry.next(), stop.signal);
      }
    }
    return false;
  };

  const deadLetterOutcome = async (err: OutcomeNotRecordedError, source: EachMessagePayload): Promise<boolean> => {
    const detail =
      err.result.outcome === 'published'
        ? JSON.stringify({ external_url: err.result.external_url, external_id: err.result.external_id })
        : err.result.error;
    // The record stays publishing until an operator records the outcome the dead letter names.
    const sent = await deadLetterSafely(
      source,
      { code: err.code, message: err.message },
      {
        [DEAD_LETTER_HEADERS.recordId]: err.recordId,
        [DEAD_LETTER_HEADERS.outcome]: err.result.outcome,
        [DEAD_LETTER_HEADERS.outcomeDetail]: detail,
      },
    );
    if (sent) state.outcomesDeadLettered++;
    return sent;
  };

  const handle = async (payload: EachMessagePayload): Promise<void> => {
    const { topic, partition, message } = payload;
    if (draining) return; // not taken, not committed: the next owner reads it
    if (!offsets.begin(partition, BigInt(message.offset))) return; // already in hand (re-fetched)
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
      finish(partition, message);
      return;
    }
    const event = decoded.event;
    // The relay's `traceparent` header (the command that made the event): this handling joins its trace.
    const parent = contextFrom(message.headers ?? {});
    const attributes = { 'publisher.event_id': event.event_id, 'publisher.event_type': event.event_type };
    // Waits only while the buffer is full; the record's own work runs in the background.
    const { done } = await scheduler.submit(String(event.account_id), event.record_id, () =>
      inSpan('worker handle', { kind: SpanKind.CONSUMER, parent, attributes }, async () => {
        if (await work(event, payload)) finish(partition, message);
      }),
    );
    state.buffered = scheduler.size;
    done
      .catch((err) => logger.error({ err, record_id: event.record_id }, 'unexpected failure in the scheduler'))
      .finally(() => {
        state.buffered = scheduler.size;
      });
  };

  // Kafka may not be up yet (or be restarting): the worker keeps trying in the background instead of
  // exiting, and reports `consumer: "starting"` meanwhile. Once running, kafkajs handles outages.
  const starting = new AbortController();
  const connecting = (async () => {
    const retry = createBackoff(RETRY);
    while (!starting.signal.aborted) {
      try {
        // The relay creates the source topic; creating both here too lets the worker start first.
        await ensureTopics(kafka, [topics.source, topics.deadLetter], {
          partitions: config.topicPartitions,
          replicationFactor: config.replicationFactor,
        });
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topic: topics.source, fromBeginning: config.fromBeginning });
        await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 4, eachMessage: handle });
        return;
      } catch (err) {
        const wait = retry.next();
        logger.warn({ err, retry_in_ms: wait }, 'cannot start consuming from Kafka; retrying');
        await consumer.disconnect().catch(() => {});
        await producer.disconnect().catch(() => {});
        await sleep(wait, starting.signal);
      }
    }
  })();

  const servers = await serveStatus({
    host: config.host,
    port: config.port,
    token: config.statusToken,
    metrics,
    metricsPort: config.telemetry.metricsPort,
    health: workerHealth(config.groupId, state),
  });
  logger.info(
    { group: config.groupId, topic: topics.source, command_api: config.commandApiUrl, port: servers.port },
    'publishing worker started',
  );

  let closing: Promise<void> | null = null;
  return {
    state,
    port: servers.port,
    metricsPort: servers.metricsPort,
    close() {
      closing ??= (async () => {
        starting.abort();
        await connecting;
        draining = true;
        const grace = setTimeout(() => stop.abort(), drainGraceMs(config.shutdownGraceMs));
        await scheduler.idle();
        clearTimeout(grace);
        stop.abort();
        await committing;
        await consumer.disconnect().catch((err) => logger.warn({ err }, 'consumer disconnect failed'));
        await producer.disconnect().catch(() => {});
        await secretsStore?.close().catch(() => {});
        await servers.close();
        state.consumer = 'stopped';
        logger.info('publishing worker stopped');
      })();
      return closing;
    },
  };
}
