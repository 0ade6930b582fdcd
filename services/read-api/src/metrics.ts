import type { ServiceMetrics } from '@publisher/telemetry';
import type { WaitEnd } from './read-your-writes.ts';
import type { ResponseCache } from './response-cache.ts';

/**
 * The read API's own series: the response cache (hits, misses, bytes, read from its stats on each
 * scrape) and the `min_position` waits (`min_position_wait_seconds{outcome}`: reached, timeout —
 * a 503 PROJECTION_BEHIND —, stopped, or not_in_log). Returns the observer for `PositionWait`.
 * @example
 * const observe = registerReadApiMetrics(metrics, cache);
 */
export function registerReadApiMetrics(
  metrics: ServiceMetrics,
  cache: ResponseCache,
): (outcome: WaitEnd, seconds: number) => void {
  metrics.counterOf('response_cache_hits_total', 'Reads answered from the response cache.', () => cache.stats().hits);
  metrics.counterOf('response_cache_misses_total', 'Cacheable reads that ran their query.', () => cache.stats().misses);
  metrics.gaugeOf('response_cache_bytes', 'Bytes held by the response cache.', () => cache.stats().bytes);
  metrics.gaugeOf('response_cache_entries', 'Responses held by the response cache.', () => cache.stats().entries);

  const waits = metrics.histogram('min_position_wait_seconds', 'Waits for a requested min_position, by outcome.', [
    'outcome',
  ]);
  return (outcome, seconds) => waits.observe({ outcome }, seconds);
}
