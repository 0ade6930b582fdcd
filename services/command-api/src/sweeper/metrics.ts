import type { ServiceMetrics } from '@publisher/telemetry';
import type { StuckRecordSweeper } from './stuck-records.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The stuck-record sweep of this API instance (its loop, stats and `sweep()` for tests). */
    stuckRecordSweeper: StuckRecordSweeper;
  }
}

/**
 * The sweep's series, read from its stats on each scrape. Alert on
 * `increase(publisher_command_api_stuck_records_found_total[30m]) > 0` (a worker died
 * mid-delivery) and on a sweep that stopped running (see the README).
 */
export function registerStuckRecordMetrics(metrics: ServiceMetrics, sweeper: StuckRecordSweeper, timeoutMs: number) {
  const { stats } = sweeper;
  metrics.counterOf(
    'stuck_records_found_total',
    'Publishing records found in publishing longer than PUBLISHING_TIMEOUT.',
    () => stats.found,
  );
  metrics.counterOf(
    'stuck_records_failed_total',
    'Stuck publishing records failed by the sweep (as system_bot).',
    () => stats.failed,
  );
  metrics.gaugeOf(
    'stuck_records_oldest_seconds',
    'How long the oldest stuck record of the last sweep had been publishing (0: none).',
    () => stats.oldestSeconds,
  );
  metrics.counterOf('stuck_sweeps_total', 'Sweeps this instance ran (holding the sweep lock).', () => stats.sweeps);
  metrics.counterOf(
    'stuck_sweep_errors_total',
    'Sweeps that failed (database or read model unavailable).',
    () => stats.errors,
  );
  metrics.gaugeOf(
    'stuck_sweep_last_run_timestamp_seconds',
    'When this instance last finished a sweep (0: never).',
    () => (stats.lastSweepAt?.getTime() ?? 0) / 1000,
  );
  metrics.gaugeOf(
    'publishing_timeout_seconds',
    'PUBLISHING_TIMEOUT: how long an attempt may stay publishing.',
    () => timeoutMs / 1000,
  );
}
