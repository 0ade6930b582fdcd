import { PUBLISHER_TOPICS } from '@publisher/contracts';
import {
  acquireLeadership,
  createBackoff,
  errorCode,
  errorMessage,
  errorName,
  type Leadership,
  sleep,
} from '@publisher/coordination';
import { foldRelayControl, relayControlStream } from '@publisher/domain';
import { type EventStore, idleConnectionError, openEventStoreAtStart } from '@publisher/event-store';
import { pgPoolTimeouts } from '@publisher/platform/config';
import { retryWhileUnavailable } from '@publisher/platform/database-errors';
import { createKafka, ensureTopics } from '@publisher/platform/kafka';
import { loggerOptions } from '@publisher/platform/logger';
import { inSpan, linkTo, ServiceMetrics, SpanKind, type StatusServers, serveStatus } from '@publisher/telemetry';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { type CheckpointStore, createCheckpointStore } from './checkpoint.ts';
import { type RelayConfig, type RelayOptions, relayDefaults } from './config.ts';
import { isRelayError } from './errors.ts';
import { createRelayProducer } from './kafka.ts';
import { initialRelayState, type RelayState, relayHealth, relayMetrics, type SendObserver } from './metrics.ts';
import { type PreparedBatch, prefetch, prepareBatches } from './pipeline.ts';
import { installFastRecordEncoder } from './record-encoder.ts';

export interface RelayHandle {
  /** Live view of what the relay is doing (also served on /health). */
  readonly state: Readonly<RelayState>;
  /** Port of /health and /metrics, or null without HTTP. */
  readonly port: number | null;
  /** Port `/metrics` answers on (METRICS_PORT's server, or `port`); null when not served. */
  readonly metricsPort: number | null;
  /** Stops relaying (the in-flight batch is either acknowledged and checkpointed, or re-sent next time). */
  close(): Promise<void>;
}

/**
 * Starts the relay: event store global log → Kafka, at least once, in order per record.
 * Resolves once its HTTP endpoint listens; relaying runs in the background until `close()`.
 *
 * @example
 * const relay = await start({ databaseUrl, brokers: ['127.0.0.1:9092'], port: 0 });
 * // … later
 * await relay.close();
 */
export async function start(options: RelayOptions): Promise<RelayHandle> {
  const config: RelayConfig = { ...relayDefaults, ...options };
  const logger = config.logger ?? pino(loggerOptions(config, 'kafka-relay'));
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 3,
    application_name: config.name,
    ...pgPoolTimeouts(config.database),
  });
  pool.on('error', (err) => logger.warn({ err: idleConnectionError(err) }, 'checkpoint pool connection lost'));
  const { eventStore } = config;
  // The checkpoint stays in PostgreSQL (DATABASE_URL) whichever store holds the events; the relay may
  // start before the command API, and creating the (idempotent) schema lets it wait for events.
  const store =
    'kind' in eventStore
      ? await openEventStoreAtStart(logger, eventStore, {
          connectionString: config.databaseUrl,
          logger,
          poolSize: 3,
          connectionTimeoutMs: config.database.connectTimeoutMs,
          statementTimeoutMs: config.database.statementTimeoutMs,
          queryTimeoutMs: config.database.queryTimeoutMs,
        })
      : eventStore;
  const ownsStore = 'kind' in eventStore;
  const checkpoints = createCheckpointStore(pool);
  const state = initialRelayState();
  const stop = new AbortController();

  const { telemetry } = config;
  const metrics = telemetry.metricsEnabled ? new ServiceMetrics('relay') : null;
  const eventStoreKind = 'kind' in eventStore ? eventStore.kind : 'injected';
  const observeSend = metrics ? relayMetrics(metrics, state, store, eventStoreKind) : undefined;
  let servers: StatusServers;
  try {
    await retryWhileUnavailable(logger, 'checkpoint migration', () => checkpoints.migrate());
    servers = await serveStatus({
      host: config.host,
      port: config.port,
      token: config.statusToken,
      metrics,
      metricsPort: telemetry.metricsPort,
      health: relayHealth(config.name, state, store),
    });
  } catch (err) {
    if (ownsStore) await store.close();
    await pool.end();
    throw err;
  }
  if (config.fastRecordEncoder) {
    const encoder = installFastRecordEncoder();
    if (encoder.installed) state.recordEncoder = 'relay';
    // Not fatal: kafkajs' own encoder writes the same bytes, only with more CPU.
    else logger.warn({ ...encoder }, 'kafkajs record encoder not replaced; relaying with its own');
  }
  const kafka = createKafka({ brokers: config.brokers, clientId: config.clientId, logger });
  const running = supervise({ config, logger, store, checkpoints, kafka, state, observeSend, signal: stop.signal });
  logger.info(
    { relay: config.name, brokers: config.brokers, port: servers.port, batch_size: config.batchSize },
    'kafka relay started',
  );

  return {
    state,
    port: servers.port,
    metricsPort: servers.metricsPort,
    async close() {
      if (stop.signal.aborted) return;
      stop.abort();
      await running;
      state.role = 'stopped';
      await servers.close();
      if (ownsStore) await store.close();
      await pool.end();
      logger.info({ relay: config.name, position: state.relayedPosition }, 'kafka relay stopped');
    },
  };
}

/** A send not acknowledged after this long marks the broker unavailable in /health and /metrics. */
const SLOW_SEND_MS = 5000;

interface RelayContext {
  config: RelayConfig;
  logger: Logger;
  store: EventStore;
  checkpoints: CheckpointStore;
  kafka: Kafka;
  state: RelayState;
  observeSend?: SendObserver;
  signal: AbortSignal;
}

/**
 * Holds the lock, runs the relay, and on any failure (Kafka, PostgreSQL, a checkpoint conflict)
 * backs off and starts over from the stored checkpoint. Starting over is always safe: everything
 * after the checkpoint is re-sent in order, so a failure can only cause duplicates.
 */
async function supervise(ctx: RelayContext): Promise<void> {
  const { config, logger, state, signal } = ctx;
  // Jittered: relays that one outage stopped together (the active one and its standbys) do not
  // retry in lockstep.
  const retry = createBackoff({ firstMs: 500, maxMs: config.maxBackoffMs, jitter: 'full' });
  while (!signal.aborted) {
    state.role = 'standby';
    let leadership: Leadership | null = null;
    try {
      leadership = await acquireLeadership({
        name: `kafka-relay:${config.name}`,
        client: {
          connectionString: config.databaseUrl,
          // The pid in the session name lets operators (and tests) see which process is the active relay.
          application_name: `${config.name}-lock-${process.pid}`,
          connectionTimeoutMillis: config.database.connectTimeoutMs,
          query_timeout: config.database.queryTimeoutMs,
        },
        signal,
        logger,
        retryMs: config.lockRetryMs,
      });
      state.role = 'active';
      const active = AbortSignal.any([signal, leadership.signal]);
      while (!active.aborted) {
        try {
          await relayFromCheckpoint(ctx, active, retry.reset);
        } catch (err) {
          if (active.aborted) break;
          const wait = retry.next();
          recordFailure(ctx, err, wait);
          await sleep(wait, active);
        }
      }
      if (leadership.signal.aborted && !signal.aborted) logger.warn('relay lock session lost; relaying paused');
    } catch (err) {
      if (!signal.aborted) logger.error({ err }, 'relay supervisor failed; retrying');
      await sleep(config.maxBackoffMs, signal);
    } finally {
      await leadership?.release();
    }
  }
}

function recordFailure(ctx: RelayContext, err: unknown, retryInMs: number): void {
  const code = isRelayError(err) ? err.code : (errorCode(err) ?? errorName(err) ?? 'ERROR');
  const message = errorMessage(err);
  ctx.state.lastError = { code: String(code), message, at: new Date() };
  // Any kafkajs failure (connect, metadata, topic creation, send) means the broker cannot take events now.
  if (errorName(err)?.startsWith('KafkaJS')) ctx.state.broker = 'unavailable';
  const details = isRelayError(err) ? err.details : undefined;
  const level = isRelayError(err, 'RELAY_UNMAPPABLE_EVENT') ? 'error' : 'warn';
  ctx.logger[level]({ err, details, retry_in_ms: retryInMs }, 'relay cannot advance; retrying from the checkpoint');
}

async function relayFromCheckpoint(ctx: RelayContext, signal: AbortSignal, onProgress: () => void): Promise<void> {
  const { config, store, checkpoints, kafka, state, logger } = ctx;
  // Loaded first, so that the lag it reports is measured from it also while the broker is down.
  let checkpoint = await checkpoints.load(config.name);
  state.relayedPosition = checkpoint;
  const created = await ensureTopics(
    kafka,
    PUBLISHER_TOPICS.map((topic) => config.topicPrefix + topic),
    {
      partitions: config.topicPartitions,
      replicationFactor: config.replicationFactor,
    },
  );
  if (created.length > 0) logger.info({ topics: created, partitions: config.topicPartitions }, 'created topics');
  // Support's skip decisions, read at every (re)start: a relay stopped at an event it cannot map
  // retries with back-off, and passes the event once a skip for it is recorded.
  const control = await store.readStream(relayControlStream(config.name));
  const skipped = new Set(foldRelayControl(control).skipped.keys());
  // Stopped during the reads above: its abort event has fired, and the listener below would not hear it.
  if (signal.aborted) return;

  const producer: Producer = createRelayProducer(kafka);
  // Stopping must not wait for kafkajs to exhaust its retries against a dead broker: disconnecting
  // fails the in-flight send, which then is simply not checkpointed.
  const disconnect = () => void producer.disconnect().catch(() => {});
  signal.addEventListener('abort', disconnect, { once: true });
  // Ends the store subscription when this run ends for any reason (it otherwise waits out a DB outage).
  const reads = new AbortController();
  try {
    await producer.connect();
    state.broker = 'connected';
    logger.info({ relay: config.name, from: checkpoint }, 'relaying from checkpoint');
    const readSignal = AbortSignal.any([signal, reads.signal]);
    const batches = store.subscribe({ after: checkpoint, batch_size: config.batchSize, signal: readSignal });
    // The checkpoint write of batch N runs while batch N+1 is sent; writes stay in order (each
    // compare-and-set starts after the previous one finished).
    let saving: Promise<void> = Promise.resolve();
    try {
      const pipeline = prepareBatches(batches, {
        topicPrefix: config.topicPrefix,
        maxRequestBytes: config.maxRequestBytes,
        relay: config.name,
        after: checkpoint,
        replays: {
          store,
          skipped,
          batchSize: config.batchSize,
          warn: (details, message) => logger.warn(details, message),
        },
      });
      for await (const prepared of prefetch(pipeline, () => reads.abort())) {
        if (prepared.topicMessages.length > 0) {
          // kafkajs retries inside sendBatch; a send that hangs on is reported before it finally fails.
          const slow = setTimeout(() => {
            state.broker = 'unavailable';
            state.lastError = {
              code: 'KAFKA_SEND_SLOW',
              message: `no acknowledgement after ${SLOW_SEND_MS} ms`,
              at: new Date(),
            };
          }, SLOW_SEND_MS);
          const started = performance.now();
          try {
            await sendTraced(producer, prepared.topicMessages);
            ctx.observeSend?.((performance.now() - started) / 1000, prepared.published + prepared.replayed);
          } catch (err) {
            state.broker = 'unavailable';
            state.sendFailures++;
            throw err;
          } finally {
            clearTimeout(slow);
          }
        }
        state.broker = 'connected';
        // The broker acknowledged every event up to here: only now may the checkpoint move. An abort
        // after the send still saves: the write happened, re-sending it would only duplicate it.
        await saving;
        const expected = checkpoint;
        const next = prepared.last;
        checkpoint = next;
        const counted = (moved: boolean) => {
          state.relayedPosition = next;
          state.eventsRelayed += prepared.published;
          state.eventsReplayed += prepared.replayed;
          state.eventsSkipped += prepared.skipped;
          state.batchesRelayed++;
          state.lastRelayedAt = new Date();
          state.lastError = null;
          // Progress resets the backoff only when the checkpoint moved: a replay failing after its
          // first slices would otherwise re-send them at the first step's pace for ever.
          if (moved) onProgress();
        };
        // A slice in the middle of a long replay does not move the checkpoint (see PreparedBatch).
        // A failed write (another relay, or a support reset, moved the checkpoint) ends the reads at
        // once, so even an idle relay restarts from the stored checkpoint instead of waiting for
        // the next event to notice.
        saving =
          next === null || next === expected
            ? Promise.resolve().then(() => counted(false))
            : checkpoints.save(config.name, expected, next).then(
                () => counted(true),
                (err) => {
                  reads.abort();
                  throw err;
                },
              );
        // Observed now, awaited later: a failed write must not count as an unhandled rejection meanwhile.
        saving.catch(() => {});
        if (signal.aborted) break;
      }
      await saving;
    } finally {
      await saving.catch(() => {});
    }
  } finally {
    signal.removeEventListener('abort', disconnect);
    await producer.disconnect().catch(() => {});
  }
}

/** Links per send span: enough to find the commands of a small batch, bounded for a large one. */
const MAX_SPAN_LINKS = 32;

/**
 * One `sendBatch` in a producer span linked to the traces of (up to MAX_SPAN_LINKS of) the events
 * it carries; each message keeps its own `traceparent` header (the command's), which the worker
 * continues.
 */
function sendTraced(producer: Producer, topicMessages: PreparedBatch['topicMessages']): Promise<unknown> {
  const links = [];
  outer: for (const { messages } of topicMessages) {
    for (const message of messages) {
      const link = linkTo((message.headers as Record<string, string> | undefined)?.traceparent);
      if (link) links.push(link);
      if (links.length >= MAX_SPAN_LINKS) break outer;
    }
  }
  return inSpan('relay send', { kind: SpanKind.PRODUCER, links }, () =>
    producer.sendBatch({ topicMessages, acks: -1, timeout: 30_000 }),
  );
}
