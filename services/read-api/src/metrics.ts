import type { ServiceMetrics } from '@publisher/telemetry';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';
import type { ResponseCache } from './response-cache.ts';

/**
 * The read API's own series: the response cache (hits, misses, bytes, read from its stats on each
 * scrape) and the `min_position` waits (`min_position_wait_seconds{outcome}`: reached, timeout —
 * a 503 PROJECTION_BEHIND — or stopped).
 *
 * The wait is measured by wrapping this watcher's `waitFor`, so the watcher itself stays free of
 * metrics and every route's wait is counted, whichever helper it goes through.
 * @example
 * registerReadApiMetrics(metrics, { cache, watcher });
 */
export function registerReadApiMetrics(
  metrics: ServiceMetrics,
  parts: { cache: ResponseCache; watcher: CheckpointWatcher },
): void {
  const { cache, watcher } = parts;
  metrics.counterOf('response_cache_hits_total', 'Reads answered from the response cache.', () => cache.stats().hits);
  metrics.counterOf('response_cache_misses_total', 'Cacheable reads that ran their query.', () => cache.stats().misses);
  metrics.gaugeOf('response_cache_bytes', 'Bytes held by the response cache.', () => cache.stats().bytes);
  metrics.gaugeOf('response_cache_entries', 'Responses held by the response cache.', () => cache.stats().entries);

  const waits = metrics.histogram('min_position_wait_seconds', 'Waits for a requested min_position, by outcome.', [
    'outcome',
  ]);
  const waitFor = watcher.waitFor.bind(watcher);
  watcher.waitFor = async (position, timeoutMs) => {
    const started = performance.now();
    const outcome = await waitFor(position, timeoutMs);
    waits.observe({ outcome }, (performance.now() - started) / 1000);
    return outcome;
  };
}
