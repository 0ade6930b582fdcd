import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventStore } from '@publisher/event-store';

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

export interface RelayLag {
  head_position: string | null;
  /** 0 when caught up, else how long the oldest event not yet on Kafka has waited. */
  lag_seconds: number;
  caught_up: boolean;
}

/**
 * Lag measured against the store, not guessed: the head of the global log, and the age of the
 * first event after the relayed position (one indexed read of one row).
 */
export async function measureLag(store: EventStore, relayed: string | null): Promise<RelayLag> {
  // Caught up is decided by "is there a readable event after the relayed position", the same
  // visibility rule the subscription uses; the head is reported for humans.
  const [[oldest], head] = await Promise.all([store.readAll({ after: relayed, limit: 1 }), store.headPosition()]);
  if (!oldest) return { head_position: head, lag_seconds: 0, caught_up: true };
  const waited = (Date.now() - oldest.recorded_at.getTime()) / 1000;
  return { head_position: head, lag_seconds: Math.max(0, waited), caught_up: false };
}

export function healthBody(name: string, state: RelayState, lag: RelayLag | null) {
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

/** Prometheus text exposition (no client library needed for a handful of gauges and counters). */
export function prometheusText(name: string, state: RelayState, lag: RelayLag | null): string {
  const label = `relay="${name}"`;
  const lines = [
    '# HELP publisher_relay_events_total Events written to Kafka and acknowledged since start.',
    '# TYPE publisher_relay_events_total counter',
    `publisher_relay_events_total{${label}} ${state.eventsRelayed}`,
    '# HELP publisher_relay_events_replayed_total Of those, replays sent for support re-drives (republish).',
    '# TYPE publisher_relay_events_replayed_total counter',
    `publisher_relay_events_replayed_total{${label}} ${state.eventsReplayed}`,
    '# HELP publisher_relay_events_skipped_total Events passed over (internal, or skipped by support).',
    '# TYPE publisher_relay_events_skipped_total counter',
    `publisher_relay_events_skipped_total{${label}} ${state.eventsSkipped}`,
    '# HELP publisher_relay_send_failures_total Failed batch writes (each is retried).',
    '# TYPE publisher_relay_send_failures_total counter',
    `publisher_relay_send_failures_total{${label}} ${state.sendFailures}`,
    '# HELP publisher_relay_active 1 when this instance holds the relay lock.',
    '# TYPE publisher_relay_active gauge',
    `publisher_relay_active{${label}} ${state.role === 'active' ? 1 : 0}`,
    '# HELP publisher_relay_broker_up 1 when the last write to Kafka succeeded.',
    '# TYPE publisher_relay_broker_up gauge',
    `publisher_relay_broker_up{${label}} ${state.broker === 'connected' ? 1 : 0}`,
    '# HELP publisher_relay_position_info The relayed position (opaque) as a label.',
    '# TYPE publisher_relay_position_info gauge',
    `publisher_relay_position_info{${label},position="${state.relayedPosition ?? ''}"} 1`,
  ];
  if (lag) {
    lines.push(
      '# HELP publisher_relay_lag_seconds Age of the oldest event not yet on Kafka (0 when caught up).',
      '# TYPE publisher_relay_lag_seconds gauge',
      `publisher_relay_lag_seconds{${label}} ${lag.lag_seconds.toFixed(3)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Serves `GET /health` (JSON; 503 while the active relay cannot advance) and `GET /metrics`
 * (Prometheus text) on `host:port`.
 */
export async function serveMetrics(options: {
  host: string;
  port: number;
  name: string;
  state: RelayState;
  store: EventStore;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { state, name, store } = options;
  const lag = () => measureLag(store, state.relayedPosition).catch(() => null);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/health' && path !== '/metrics')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    void lag().then((measured) => {
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(prometheusText(name, state, measured));
        return;
      }
      const body = healthBody(name, state, measured);
      res.writeHead(body.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
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
