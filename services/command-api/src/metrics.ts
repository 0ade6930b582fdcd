import { type EventStore, isWrongExpectedVersion } from '@publisher/event-store';
import { contextFrom, inSpan, recordsSpans, type ServiceMetrics, SIZE_BUCKETS, SpanKind } from '@publisher/telemetry';

/**
 * Group-commit batch sizes (`append_batch_size`), for the PostgreSQL store's `onAppendBatch`.
 * @example
 * createPostgresEventStore({ pool, onAppendBatch: appendBatchObserver(metrics) });
 */
export function appendBatchObserver(metrics: ServiceMetrics | null): ((size: number) => void) | undefined {
  if (!metrics) return undefined;
  const sizes = metrics.histogram(
    'append_batch_size',
    'Appends sent to PostgreSQL in one call (group commit; 1: alone).',
    [],
    SIZE_BUCKETS,
  );
  return (size) => sizes.observe(size);
}

/**
 * The store with every append timed (`append_duration_seconds{outcome}`), traced when spans are
 * exported (an `append` span under the request's), and its optimistic-concurrency conflicts counted
 * (`concurrency_conflicts_total`: each is retried, up to COMMAND_MAX_ATTEMPTS, then answered 409).
 * Every other method is the store's own.
 * @example
 * const store = instrumentAppends(createPostgresEventStore({ pool }), metrics);
 */
export function instrumentAppends(store: EventStore, metrics: ServiceMetrics | null): EventStore {
  const duration = metrics?.histogram('append_duration_seconds', 'Event-store append duration.', ['outcome']);
  const conflicts = metrics?.counter(
    'concurrency_conflicts_total',
    'Appends refused for a stale expected revision (the command is retried, then answered 409).',
  );
  const timed: EventStore['append'] = async (stream, events, expected) => {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await store.append(stream, events, expected);
    } catch (err) {
      outcome = isWrongExpectedVersion(err) ? 'conflict' : 'error';
      if (outcome === 'conflict') conflicts?.inc();
      throw err;
    } finally {
      duration?.observe({ outcome }, (performance.now() - started) / 1000);
    }
  };
  const append: EventStore['append'] = (stream, events, expected) => {
    // Unrecorded, the span would only be ids nobody reads (events carry the request's traceparent,
    // not the append's): skip it, and parsing its parent, unless spans are exported.
    if (!recordsSpans()) return timed(stream, events, expected);
    // A child of the request whose trace context the events carry (no async context needed).
    const traceparent = events[0]?.metadata.traceparent;
    const parent = traceparent ? contextFrom({ traceparent }) : undefined;
    const attributes = { 'publisher.events': events.length };
    return inSpan('append', { kind: SpanKind.CLIENT, attributes, parent }, () => timed(stream, events, expected));
  };
  const bound = new Map<PropertyKey, unknown>([['append', append]]);
  return new Proxy(store, {
    get(target, property) {
      const known = bound.get(property);
      if (known !== undefined) return known;
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value.bind(target);
      bound.set(property, method);
      return method;
    },
  });
}
