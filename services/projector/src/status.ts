import type { ProjectionStop } from '@publisher/read-model';

/**
 * - `starting`: connecting;
 * - `standby`: another instance holds the projection's lock, this one waits to take over;
 * - `catching_up` / `live`: this instance projects (behind the head / at the head);
 * - `stopped`: a poison event stopped the projection (see `stop`); it resumes once an operator
 *   skips or fixes it;
 * - `closed`: shut down.
 */
export type ProjectorState = 'starting' | 'standby' | 'catching_up' | 'live' | 'stopped' | 'closed';

export interface ProjectorStatus {
  projection: string;
  state: ProjectorState;
  /** Checkpoint: position of the last event whose effects are committed. */
  position: string | null;
  /** Events projected by this process since it started. */
  events_processed: number;
  batches_committed: number;
  /** Events after the checkpoint (sampled; capped at `LAG_EVENTS_CAP`). */
  lag_events: number;
  /** Age of the last projected event while behind; 0 once caught up. */
  lag_seconds: number;
  last_batch_at: string | null;
  stop: ProjectionStop | null;
  /** Last error that made the projector restart its loop (transient: connection lost, …). */
  last_error: string | null;
}

/** Lag in events is counted by reading ahead at most this many events. */
export const LAG_EVENTS_CAP = 10_000;

/**
 * Prometheus text exposition of a status.
 * @example
 * reply.type('text/plain; version=0.0.4').send(prometheusText(projector.status()));
 */
export function prometheusText(s: ProjectorStatus): string {
  const labels = `{projection="${s.projection}"}`;
  const states: ProjectorState[] = ['starting', 'standby', 'catching_up', 'live', 'stopped', 'closed'];
  const lines = [
    '# HELP projector_events_processed_total Events projected by this process.',
    '# TYPE projector_events_processed_total counter',
    `projector_events_processed_total${labels} ${s.events_processed}`,
    '# HELP projector_batches_committed_total Batch transactions committed by this process.',
    '# TYPE projector_batches_committed_total counter',
    `projector_batches_committed_total${labels} ${s.batches_committed}`,
    '# HELP projector_lag_events Events after the checkpoint (capped).',
    '# TYPE projector_lag_events gauge',
    `projector_lag_events${labels} ${s.lag_events}`,
    '# HELP projector_lag_seconds Age of the last projected event while behind the head; 0 when caught up.',
    '# TYPE projector_lag_seconds gauge',
    `projector_lag_seconds${labels} ${s.lag_seconds}`,
    '# HELP projector_state 1 for the current state of the projection in this process.',
    '# TYPE projector_state gauge',
    ...states.map((st) => `projector_state{projection="${s.projection}",state="${st}"} ${st === s.state ? 1 : 0}`),
    '# HELP projector_position_info The processed position (checkpoint), as a label.',
    '# TYPE projector_position_info gauge',
    `projector_position_info{projection="${s.projection}",position="${s.position ?? ''}"} 1`,
  ];
  return `${lines.join('\n')}\n`;
}
