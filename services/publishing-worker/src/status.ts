import type { ServiceMetrics, StatusHealth } from '@publisher/telemetry';

/** Counters behind /health and /metrics. */
export interface WorkerState {
  consumer: 'starting' | 'running' | 'crashed' | 'stopped';
  messages: number;
  published: number;
  failed: number;
  skipped: number;
  duplicates: number;
  /** Undecodable messages sent to the dead-letter topic. */
  deadLettered: number;
  /** Messages dead-lettered because the destination's outcome could not be recorded. */
  outcomesDeadLettered: number;
  /** Messages dead-lettered because their claim kept failing for CLAIM_HOLD_LIMIT_MS. */
  claimsDeadLettered: number;
  /** Handling errors (the message is kept and tried again). */
  errors: number;
  /** Records queued or in flight in this worker. */
  buffered: number;
  lastError: { code: string; message: string; at: string } | null;
}

export function initialWorkerState(): WorkerState {
  return {
    consumer: 'starting',
    messages: 0,
    published: 0,
    failed: 0,
    skipped: 0,
    duplicates: 0,
    deadLettered: 0,
    outcomesDeadLettered: 0,
    claimsDeadLettered: 0,
    errors: 0,
    buffered: 0,
    lastError: null,
  };
}

/** Observes one delivery attempt (see `workerMetrics`). */
export type DeliveryObserver = (destination: string, outcome: 'published' | 'failed', seconds: number) => void;

/**
 * The worker's series (`publisher_worker_…`): deliveries by destination adapter and outcome
 * (`deliveries_total`, `delivery_duration_seconds`), dead letters by reason, and the message
 * counters read from its state on each scrape.
 * @example
 * const onDelivery = workerMetrics(metrics, state);
 */
export function workerMetrics(metrics: ServiceMetrics, s: WorkerState): DeliveryObserver {
  metrics.counterOf('messages_total', 'Kafka messages handled.', () => s.messages);
  metrics.counterOf('published_total', 'Records delivered and recorded published.', () => s.published);
  metrics.counterOf('failed_total', 'Deliveries that failed and were recorded failed.', () => s.failed);
  metrics.counterOf('skipped_total', 'Events needing no work (other types, claims refused).', () => s.skipped);
  metrics.counterOf('duplicates_total', 'Redelivered events skipped by event id.', () => s.duplicates);
  metrics.counterOf(
    'dead_letters_total',
    'Messages sent to the dead-letter topic, by reason.',
    () => ({
      undecodable: s.deadLettered,
      outcome_not_recorded: s.outcomesDeadLettered,
      claim_not_made: s.claimsDeadLettered,
    }),
    'reason',
  );
  metrics.counterOf('errors_total', 'Handling errors (the message is tried again).', () => s.errors);
  metrics.gaugeOf('buffered_records', 'Records queued or in flight in this worker.', () => s.buffered);
  metrics.gaugeOf('consumer_up', '1 while the consumer group member is running.', () =>
    s.consumer === 'running' ? 1 : 0,
  );
  const deliveries = metrics.counter('deliveries_total', 'Delivery attempts by destination and outcome.', [
    'destination',
    'outcome',
  ]);
  const duration = metrics.histogram('delivery_duration_seconds', 'Delivery attempt duration by destination.', [
    'destination',
    'outcome',
  ]);
  return (destination, outcome, seconds) => {
    deliveries.inc({ destination, outcome });
    duration.observe({ destination, outcome }, seconds);
  };
}

/**
 * The worker's `/health` for telemetry's `serveStatus`: its group and state; 503 unless the
 * consumer runs.
 * @example
 * await serveStatus({ host, port, token, metrics, health: workerHealth(config.groupId, state) });
 */
export function workerHealth(group: string, state: WorkerState): () => StatusHealth {
  return () => {
    const ok = state.consumer === 'running';
    return { ok, body: { status: ok ? 'ok' : 'degraded', group, ...state } };
  };
}
