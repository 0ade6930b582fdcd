import { type EventStore, type LogLag, measureLogLag, sequenceDistance } from '@publisher/event-store';
import { type ServiceMetrics, SIZE_BUCKETS, type StatusHealth } from '@publisher/telemetry';

/** What the relay is doing, updated as it runs (the numbers behind /health and /metrics). */
export interface RelayState {
  role: 'starting' | 'standby' | 'active' | 'stopped';
  broker: 'unknown' | 'connected' | 'unavailable';
  /** Position of the last event the broker acknowledged (and the checkpoint holds). */
  relayedPosition: string | null;
  eventsRelayed: number;
  /** Of `eventsRelayed`, the replays sent for support re-drives. */
  eventsReplayed: number;
  eventsSkipped: number;
  batchesRelayed: number;
  sendFailures: number;
  /** Who encodes Kafka records: the relay's encoder (src/record-encoder.ts) or kafkajs' own. */
  recordEncoder: 'relay' | 'kafkajs';
  lastRelayedAt: Date | null;
  /** Set while the relay cannot advance (broker down, unmappable event, …); cleared on success. */
  lastError: { code: string; message: string; at: Date } | null;
}

export function initialRelayState(): RelayState {
  return {
    role: 'starting',
    broker: 'unknown',
    relayedPosition: null,
    eventsRelayed: 0,
    eventsReplayed: 0,
    eventsSkipped: 0,
    batchesRelayed: 0,
    sendFailures: 0,
    recordEncoder: 'kafkajs',
    lastRelayedAt: null,
    lastError: null,
  };
}

function healthBody(name: string, state: RelayState, lag: LogLag | null) {
  const healthy = state.lastError === null || state.role !== 'active';
  return {
    status: healthy ? 'ok' : 'degraded',
    relay: name,
    role: state.role,
    broker: state.broker,
    relayed_position: state.relayedPosition,
    head_position: lag?.head_position ?? null,
    lag_seconds: lag?.lag_seconds ?? null,
    caught_up: lag?.caught_up ?? null,
    events_relayed: state.eventsRelayed,
    events_replayed: state.eventsReplayed,
    events_skipped: state.eventsSkipped,
    send_failures: state.sendFailures,
    record_encoder: state.recordEncoder,
    last_relayed_at: state.lastRelayedAt?.toISOString() ?? null,
    last_error: state.lastError && { ...state.lastError, at: state.lastError.at.toISOString() },
  };
}

/** Observes one acknowledged Kafka send (see `relayMetrics`). */
export type SendObserver = (seconds: number, events: number) => void;

/**
 * The relay's series (`publisher_relay_…`), most read from its state on each scrape: events
 * relayed, replayed and skipped, send failures, `active`, `broker_up`, and the lag measured
 * against the store by the active relay (`lag_seconds`: age of the oldest event not yet on Kafka; `lag_events`:
 * PostgreSQL's event-sequence distance from the relayed position to the head, uncapped — a
 * rolled-back append leaves a gap it counts; 0 with EventStoreDB, whose positions are not
 * sequence numbers). Sends are histograms: `send_duration_seconds` and `send_batch_size`.
 * No position label: positions would make a new series per batch.
 * @example
 * const observeSend = relayMetrics(metrics, state, store, 'postgres');
 */
export function relayMetrics(
  metrics: ServiceMetrics,
  state: RelayState,
  store: EventStore,
  eventStore: 'postgres' | 'esdb' | 'injected',
): SendObserver {
  metrics.counterOf('events_total', 'Events written to Kafka and acknowledged.', () => state.eventsRelayed);
  metrics.counterOf(
    'events_replayed_total',
    'Of those, replays sent for support re-drives (republish).',
    () => state.eventsReplayed,
  );
  metrics.counterOf(
    'events_skipped_total',
    'Events passed over (internal, or skipped by support).',
    () => state.eventsSkipped,
  );
  metrics.counterOf('send_failures_total', 'Failed batch writes (each is retried).', () => state.sendFailures);
  metrics.gaugeOf('active', '1 when this instance holds the relay lock.', () => (state.role === 'active' ? 1 : 0));
  metrics.gaugeOf('broker_up', '1 when the last write to Kafka succeeded.', () =>
    state.broker === 'connected' ? 1 : 0,
  );
  const lag = { seconds: 0, events: 0 };
  const measure = async () => {
    // A standby relays nothing and holds no relayed position: measured from the log's start, its
    // "lag" would be the age of the first event, growing for ever beside a caught-up active relay.
    if (state.role !== 'active') {
      lag.seconds = 0;
      lag.events = 0;
      return;
    }
    const measured = await measureLogLag(store, state.relayedPosition);
    lag.seconds = measured.lag_seconds;
    lag.events =
      measured.caught_up || measured.head_position === null || eventStore === 'esdb'
        ? 0
        : sequenceDistance(state.relayedPosition, measured.head_position);
  };
  metrics.measuredGauges(measure, [
    {
      name: 'lag_seconds',
      help: 'Age of the oldest event not yet on Kafka (0 when caught up, and on a standby).',
      read: () => lag.seconds,
    },
    {
      name: 'lag_events',
      help: 'Events not yet on Kafka (PostgreSQL store; 0 with EventStoreDB, and on a standby).',
      read: () => lag.events,
    },
  ]);
  const sendDuration = metrics.histogram('send_duration_seconds', 'Time for Kafka to acknowledge one send.');
  const sendSize = metrics.histogram('send_batch_size', 'Messages per acknowledged send.', [], SIZE_BUCKETS);
  return (seconds, events) => {
    sendDuration.observe(seconds);
    sendSize.observe(events);
  };
}

/**
 * The relay's `/health` for telemetry's `serveStatus`: `healthBody` with the lag measured on each
 * request; 503 while the active relay cannot advance.
 * @example
 * await serveStatus({ host, port, token, metrics, health: relayHealth('kafka-relay', state, store) });
 */
export function relayHealth(name: string, state: RelayState, store: EventStore): () => Promise<StatusHealth> {
  return async () => {
    // Only the active relay has a lag: a standby's lag fields are null (it relays nothing).
    const lag = state.role === 'active' ? await measureLogLag(store, state.relayedPosition).catch(() => null) : null;
    const body = healthBody(name, state, lag);
    return { ok: body.status === 'ok', body };
  };
}
