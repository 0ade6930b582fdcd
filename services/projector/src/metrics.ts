import { type EventStore, measureLogLag, sequenceDistance } from '@publisher/event-store';
import { ServiceMetrics, SIZE_BUCKETS } from '@publisher/telemetry';
import type { ProjectorState, ProjectorStatus } from './status.ts';

const STATES: ProjectorState[] = ['starting', 'standby', 'catching_up', 'live', 'stopped', 'closed'];

export interface ProjectorMetrics {
  metrics: ServiceMetrics;
  /** For `startProjector`'s `onBatch`. */
  onBatch(events: number, seconds: number): void;
  /** Wires the series read from the running projector's status (call once it exists). */
  watch(status: () => ProjectorStatus): void;
}

/**
 * The projector's series (`publisher_projector_…`): batches (size and duration histograms),
 * processed events, the state, and the lag measured against the store on each scrape —
 * `lag_events` (PostgreSQL: the event sequence's distance from checkpoint to head, uncapped; a
 * rolled-back append leaves a gap it counts; EventStoreDB: the sampled count, capped at 10,000)
 * and `lag_seconds` (age of the oldest event not yet projected; 0 when caught up). No position
 * label: positions would make a new series per batch.
 * @example
 * const pm = projectorMetrics(store, 'postgres');
 * const projector = startProjector({ …, onBatch: pm.onBatch });
 * pm.watch(() => projector.status());
 */
export function projectorMetrics(store: EventStore, eventStore: 'postgres' | 'esdb'): ProjectorMetrics {
  const metrics = new ServiceMetrics('projector');
  const batchSize = metrics.histogram('batch_size', 'Events per committed batch.', [], SIZE_BUCKETS);
  const batchDuration = metrics.histogram('batch_duration_seconds', 'Time to project and commit one batch.');
  let status: (() => ProjectorStatus) | null = null;
  const lag = { events: 0, seconds: 0 };

  async function measureLag(): Promise<void> {
    const s = status?.();
    if (!s || s.state === 'standby' || s.state === 'starting') {
      lag.events = 0;
      lag.seconds = 0;
      return;
    }
    const measured = await measureLogLag(store, s.position);
    lag.seconds = measured.lag_seconds;
    if (measured.caught_up || measured.head_position === null) lag.events = 0;
    else if (eventStore === 'postgres') lag.events = sequenceDistance(s.position, measured.head_position);
    else lag.events = s.lag_events;
  }

  metrics.counterOf(
    'events_processed_total',
    'Events projected by this process.',
    () => status?.().events_processed ?? 0,
  );
  metrics.counterOf(
    'batches_committed_total',
    'Batch transactions committed by this process.',
    () => status?.().batches_committed ?? 0,
  );
  metrics.measuredGauges(measureLag, [
    { name: 'lag_events', help: 'Events after the checkpoint (0 on a standby instance).', read: () => lag.events },
    {
      name: 'lag_seconds',
      help: 'Age of the oldest event not yet projected; 0 when caught up.',
      read: () => lag.seconds,
    },
  ]);
  metrics.gauge('state', '1 for the current state of the projection in this process.', ['state'], (gauge) => {
    const current = status?.().state;
    for (const state of STATES) gauge.set({ state }, state === current ? 1 : 0);
  });
  return {
    metrics,
    onBatch(events, seconds) {
      batchSize.observe(events);
      batchDuration.observe(seconds);
    },
    watch(read) {
      status = read;
    },
  };
}
