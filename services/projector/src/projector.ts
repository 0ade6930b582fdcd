import { acquireLeadership, createBackoff, errorMessage, type Leadership, sleep } from '@publisher/coordination';
import type { EventStore, RecordedEvent } from '@publisher/event-store';
import {
  markProjectionStopped,
  READ_MODEL_SCHEMA,
  READ_MODELS_PROJECTION,
  readCheckpoint,
  skippedEventIds,
} from '@publisher/read-model';
import { inSpan } from '@publisher/telemetry';
import type { Logger } from 'pino';
import type { DatabaseTimeouts } from './config.ts';
import { CheckpointMovedError, LeadershipLostError } from './errors.ts';
import { lockKeys, type Session, sessionConfig, sessionOn } from './session.ts';
import { LAG_EVENTS_CAP, type ProjectorStatus } from './status.ts';
import { writeBatchIsolating } from './write-batch.ts';

export interface ProjectorOptions {
  store: EventStore;
  /** PostgreSQL holding the read models (its own session: lock + writes). */
  connectionString: string;
  logger: Logger;
  projection?: string;
  schema?: string;
  /** Events per batch transaction (default 500). */
  batchSize?: number;
  /** How often a standby instance tries to take the lock (default 1000 ms). */
  standbyRetryMs?: number;
  /** How often a stopped projection checks whether an operator resolved it (default 2000 ms). */
  stoppedPollMs?: number;
  /** How often lag in events is sampled while catching up (default 5000 ms). */
  lagSampleMs?: number;
  applicationName?: string;
  /** Timeouts of the projector's session (none by default; `main` passes the configured ones). */
  timeouts?: DatabaseTimeouts;
  /** Told each committed batch's event count and duration (the batch metrics). */
  onBatch?: (events: number, seconds: number) => void;
}

export interface Projector {
  status(): ProjectorStatus;
  /** Stops after the batch in flight (which commits or rolls back whole) and releases the lock. */
  close(): Promise<void>;
}

/**
 * Starts projecting the event store's global log into the read models, in the background.
 * Only the instance holding the projection's advisory lock projects; others wait in `standby`
 * and take over when the holder's session ends (crash, kill, network loss).
 *
 * @example
 * const projector = startProjector({ store, connectionString: process.env.DATABASE_URL!, logger });
 * projector.status().state; // 'standby' | 'catching_up' | 'live' | …
 * await projector.close();
 */
export function startProjector(options: ProjectorOptions): Projector {
  const projection = options.projection ?? READ_MODELS_PROJECTION;
  const schema = options.schema ?? READ_MODEL_SCHEMA;
  const batchSize = options.batchSize ?? 500;
  const log = options.logger.child({ projection });
  const closing = new AbortController();
  const status: ProjectorStatus = {
    projection,
    state: 'starting',
    position: null,
    events_processed: 0,
    batches_committed: 0,
    lag_events: 0,
    lag_seconds: 0,
    last_batch_at: null,
    stop: null,
    last_error: null,
  };
  let lastEvent: RecordedEvent | null = null;

  const pause = (ms: number) => sleep(ms, closing.signal);
  // Between restarts of the loop. Jittered: the instances an outage stopped together (the leader
  // and its standbys) do not all reconnect in the same instant when the database comes back. Reset
  // by progress (a batch committed, the log caught up), not by taking the lock: a failure that
  // follows every start (a permission lost, say) keeps backing off instead of retrying every 100 ms.
  const retry = createBackoff({ firstMs: 100, maxMs: 5000, jitter: 'full' });

  /** Runs one subscription from the stored checkpoint until it ends, a poison event, or a swap. */
  async function project(session: Session, signal: AbortSignal): Promise<void> {
    const cp = await readCheckpoint(session.db, projection);
    status.position = cp.position;
    status.stop = cp.stopped;
    if (cp.stopped) {
      if (status.state !== 'stopped') log.error({ stop: cp.stopped }, 'projection is stopped by a poison event');
      status.state = 'stopped';
      status.lag_seconds = 0;
      await pause(options.stoppedPollMs ?? 2000);
      return;
    }
    const skipped = await skippedEventIds(session.db, projection);
    status.state = 'catching_up';
    let position = cp.position;
    // Ends the subscription when this run ends, or when `signal` does — already, possibly: a close
    // during the reads above has fired its abort event, which a listener added now would not hear.
    const sub = new AbortController();
    // A batch being written while the next is read (behind): caught up then is not progress yet.
    let writing = false;
    const iterator = options.store
      .subscribe({
        after: position,
        batch_size: batchSize,
        signal: AbortSignal.any([signal, sub.signal]),
        on_caught_up: () => {
          if (!writing) retry.reset();
          status.state = 'live';
          status.lag_events = 0;
          status.lag_seconds = 0;
        },
      })
      [Symbol.asyncIterator]();
    let next: Promise<IteratorResult<RecordedEvent[]>> | null = iterator.next();
    try {
      while (true) {
        const { value: events, done } = await (next ?? iterator.next());
        next = null;
        if (signal.aborted) break;
        // Only a closed store ends a subscription that was not aborted: a failure, backed off.
        if (done) throw new Error('the event store ended the subscription');
        // Behind (a full batch): read the next batch while this one is written; the subscription is
        // pulled lazily. Live: read after the commit instead, because the store only shows events
        // of transactions older than every running one, and this batch's transaction is one: an
        // early read would find nothing and back off, delaying the next event.
        if (events.length === batchSize) {
          status.state = 'catching_up';
          next = iterator.next();
        }
        const started = performance.now();
        writing = true;
        const r = await inSpan('projector batch', { attributes: { 'publisher.events': events.length } }, () =>
          writeBatchIsolating(session, { projection, expected: position, events, skipped, notifySchema: schema }),
        ).finally(() => {
          writing = false;
        });
        options.onBatch?.(events.length, (performance.now() - started) / 1000);
        position = r.position;
        status.position = position;
        status.events_processed += r.processed;
        status.batches_committed += 1;
        retry.reset();
        status.last_batch_at = new Date().toISOString();
        if (r.last) lastEvent = r.last;
        if (status.state === 'catching_up' && lastEvent) {
          status.lag_seconds = Math.max(0, (Date.now() - lastEvent.recorded_at.getTime()) / 1000);
        }
        if (r.poison) {
          const stop = {
            event_id: r.poison.event_id,
            event_type: r.poison.event_type,
            position: r.poison.position,
            reason: r.poison.reason,
          };
          await markProjectionStopped(session.db, projection, stop);
          log.error(
            {
              event_id: stop.event_id,
              event_type: stop.event_type,
              position: stop.position,
              stream: r.poison.stream,
              reason: stop.reason,
            },
            'poison event: projection stopped before it; nothing after it is applied (see the projector README)',
          );
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof CheckpointMovedError)) throw err;
      log.info(
        { expected: err.expected },
        'checkpoint moved (rebuild swap?): resubscribing from the stored checkpoint',
      );
    } finally {
      sub.abort();
      next?.catch(() => {});
      await iterator.return?.().catch(() => {});
    }
  }

  async function sampleLag(): Promise<void> {
    while (!closing.signal.aborted) {
      await pause(options.lagSampleMs ?? 5000);
      if (status.state !== 'catching_up') continue;
      try {
        const ahead = await options.store.readAll({ after: status.position, limit: LAG_EVENTS_CAP });
        if (status.state === 'catching_up') status.lag_events = ahead.length;
      } catch (err) {
        log.debug({ err }, 'lag sample failed');
      }
    }
  }

  async function run(): Promise<void> {
    while (!closing.signal.aborted) {
      let leadership: Leadership | undefined;
      try {
        leadership = await acquireLeadership({
          name: lockKeys.projection(projection),
          client: sessionConfig({
            connectionString: options.connectionString,
            schema,
            // The pid in the name tells operators (and tests) which process holds the lock.
            applicationName: options.applicationName ?? `publisher-projector-${projection}-${process.pid}`,
            timeouts: options.timeouts,
          }),
          signal: closing.signal,
          logger: log,
          retryMs: options.standbyRetryMs ?? 1000,
          onStandby: () => {
            status.state = 'standby';
          },
          onError: (err) => {
            status.state = 'starting';
            status.last_error = errorMessage(err);
          },
        });
        log.info('holding the projection lock: projecting');
        // Writes go through the lock's own session: when it ends, so does every way to write.
        const session = sessionOn(leadership.client, schema);
        const signal = AbortSignal.any([closing.signal, leadership.signal]);
        while (!signal.aborted) await project(session, signal);
        if (leadership.signal.aborted && !closing.signal.aborted) {
          throw new LeadershipLostError({ cause: leadership.signal.reason });
        }
      } catch (err) {
        if (closing.signal.aborted) break;
        status.last_error = errorMessage(err);
        status.state = 'starting';
        const wait = retry.next();
        log.warn({ err, retry_in_ms: wait }, 'projector loop failed; restarting');
        await pause(wait);
      } finally {
        await leadership?.release();
      }
    }
  }

  const running = run().finally(() => {
    status.state = 'closed';
  });
  const sampling = sampleLag();

  return {
    status: () => ({ ...status }),
    async close() {
      closing.abort();
      await Promise.all([running, sampling]);
    },
  };
}
