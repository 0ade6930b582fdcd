import http from 'node:http';
import type { AddressInfo } from 'node:net';

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

function prometheus(group: string, s: WorkerState): string {
  const label = `group="${group}"`;
  const metric = (type: 'counter' | 'gauge', name: string, help: string, value: number) =>
    [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{${label}} ${value}`].join('\n');
  return `${[
    metric('counter', 'publisher_worker_messages_total', 'Kafka messages handled.', s.messages),
    metric('counter', 'publisher_worker_published_total', 'Records delivered and recorded published.', s.published),
    metric('counter', 'publisher_worker_failed_total', 'Deliveries that failed and were recorded failed.', s.failed),
    metric(
      'counter',
      'publisher_worker_skipped_total',
      'Events needing no work (other types, claims refused).',
      s.skipped,
    ),
    metric('counter', 'publisher_worker_duplicates_total', 'Redelivered events skipped by event id.', s.duplicates),
    metric(
      'counter',
      'publisher_worker_dead_lettered_total',
      'Undecodable messages sent to the dead-letter topic.',
      s.deadLettered,
    ),
    metric(
      'counter',
      'publisher_worker_outcomes_dead_lettered_total',
      'Deliveries whose outcome the command API did not take; dead-lettered for an operator.',
      s.outcomesDeadLettered,
    ),
    metric(
      'counter',
      'publisher_worker_claims_dead_lettered_total',
      'Messages whose claim kept failing past the hold limit; dead-lettered, the record still pending.',
      s.claimsDeadLettered,
    ),
    metric('counter', 'publisher_worker_errors_total', 'Handling errors (the message is tried again).', s.errors),
    metric('gauge', 'publisher_worker_buffered_records', 'Records queued or in flight in this worker.', s.buffered),
    metric(
      'gauge',
      'publisher_worker_consumer_up',
      '1 while the consumer group member is running.',
      s.consumer === 'running' ? 1 : 0,
    ),
  ].join('\n')}\n`;
}

/** `GET /health` (JSON; 503 unless the consumer runs) and `GET /metrics` (Prometheus text). */
export async function serveStatus(options: {
  host: string;
  port: number;
  group: string;
  state: WorkerState;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { state, group } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(prometheus(group, state));
    } else if (req.method === 'GET' && path === '/health') {
      const ok = state.consumer === 'running';
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'degraded', group, ...state }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
