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
