import type { StuckRecordStats, StuckRecordSweeper } from './stuck-records.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The stuck-record sweep of this API instance (its loop, stats and `sweep()` for tests). */
    stuckRecordSweeper: StuckRecordSweeper;
  }
}

/**
 * The sweep's series in Prometheus text. Alert on `increase(publisher_command_api_stuck_records_found_total[30m]) > 0`
 * (a worker died mid-delivery) and on a sweep that stopped running (see the README).
 */
export function stuckRecordMetrics(stats: Readonly<StuckRecordStats>, timeoutMs: number): string {
  const series: Array<[name: string, type: 'counter' | 'gauge', help: string, value: number]> = [
    [
      'stuck_records_found_total',
      'counter',
      'Publishing records found in publishing longer than PUBLISHING_TIMEOUT.',
      stats.found,
    ],
    [
      'stuck_records_failed_total',
      'counter',
      'Stuck publishing records failed by the sweep (as system_bot).',
      stats.failed,
    ],
    [
      'stuck_records_oldest_seconds',
      'gauge',
      'How long the oldest stuck record of the last sweep had been publishing (0: none).',
      stats.oldestSeconds,
    ],
    ['stuck_sweeps_total', 'counter', 'Sweeps this instance ran (holding the sweep lock).', stats.sweeps],
    ['stuck_sweep_errors_total', 'counter', 'Sweeps that failed (database or read model unavailable).', stats.errors],
    [
      'stuck_sweep_last_run_timestamp_seconds',
      'gauge',
      'When this instance last finished a sweep (0: never).',
      (stats.lastSweepAt?.getTime() ?? 0) / 1000,
    ],
    [
      'publishing_timeout_seconds',
      'gauge',
      'PUBLISHING_TIMEOUT: how long an attempt may stay publishing.',
      timeoutMs / 1000,
    ],
  ];
  return `${series
    .map(([name, type, help, value]) => {
      const full = `publisher_command_api_${name}`;
      return `# HELP ${full} ${help}\n# TYPE ${full} ${type}\n${full} ${value}`;
    })
    .join('\n')}\n`;
}
