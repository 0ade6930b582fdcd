import http from 'node:http';
import {
  STATUS_UNAUTHORIZED_BODY,
  statusDetailsAllowed,
  statusRequestAllowed,
} from '@publisher/platform/status-access';
import { answerMetrics, listen, type MetricsServer, type ServiceMetrics } from '@publisher/telemetry';

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

/** `GET /health` (JSON; 503 unless the consumer runs) and `GET /metrics` (Prometheus text). */
export async function serveStatus(options: {
  host: string;
  port: number;
  /** Bearer token required on every path but /health (STATUS_TOKEN); null or absent: none. */
  token?: string | null;
  group: string;
  state: WorkerState;
  /** Served at `/metrics`; null: no `/metrics` here (METRICS_ENABLED=false, or METRICS_PORT). */
  metrics: ServiceMetrics | null;
}): Promise<MetricsServer> {
  const { state, group, metrics } = options;
  const access = { host: options.host, token: options.token ?? null };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!statusRequestAllowed(access, path, req.headers.authorization)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(STATUS_UNAUTHORIZED_BODY);
    } else if (req.method === 'GET' && path === '/metrics' && metrics) {
      answerMetrics(metrics, res);
    } else if (req.method === 'GET' && path === '/health') {
      const ok = state.consumer === 'running';
      const status = ok ? 'ok' : 'degraded';
      // Without the token, /health says whether the worker is up, not what it is doing.
      const body = statusDetailsAllowed(access, req.headers.authorization) ? { status, group, ...state } : { status };
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  return listen(server, options);
}
