import client from 'prom-client';
import { SeriesHistogram } from './series-histogram.ts';

/** The services that serve metrics; each name becomes the `publisher_<service>_` prefix. */
export type ServiceName = 'command_api' | 'read_api' | 'projector' | 'relay' | 'worker' | 'support_console';

/**
 * One service's Prometheus registry: the default process and event-loop metrics plus the
 * service's own series, all named `publisher_<service>_…` in base units (seconds, bytes).
 *
 * A registry per service instance rather than prom-client's global one, so several services (or
 * several test apps) in one process never share or collide on a series.
 * @example
 * const metrics = new ServiceMetrics('relay');
 * const sent = metrics.counter('events_total', 'Events written to Kafka.');
 * sent.inc(batch.length);
 * res.end(await metrics.text());
 */
export class ServiceMetrics {
  readonly registry = new client.Registry();
  readonly prefix: string;

  constructor(readonly service: ServiceName) {
    this.prefix = `publisher_${service}_`;
    client.collectDefaultMetrics({ register: this.registry, prefix: this.prefix });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
    return new client.Counter({ name: this.prefix + name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    /** Called on each scrape, to set values that are cheaper to read than to keep up to date. */
    collect?: (gauge: client.Gauge<L>) => void | Promise<void>,
  ): client.Gauge<L> {
    return new client.Gauge({
      name: this.prefix + name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect && {
        async collect(this: client.Gauge<L>) {
          await collect(this);
        },
      }),
    });
  }

  /**
   * A counter read from a number the code already keeps (a stats object), on each scrape; the
   * code it counts needs no change. With `label`, `read` answers one number per label value.
   * @example
   * metrics.counterOf('sweeps_total', 'Sweeps run.', () => sweeper.stats.sweeps);
   * metrics.counterOf('dead_letters_total', 'By reason.', () => ({ undecodable: s.a, other: s.b }), 'reason');
   */
  counterOf(name: string, help: string, read: () => number | Record<string, number>, label?: string): client.Counter {
    return new client.Counter({
      name: this.prefix + name,
      help,
      labelNames: label ? [label] : [],
      registers: [this.registry],
      collect(this: client.Counter<string>) {
        this.reset();
        const value = read();
        if (typeof value === 'number') this.inc(value);
        else for (const [labelValue, n] of Object.entries(value)) this.inc({ [label ?? '']: labelValue }, n);
      },
    });
  }

  /** A gauge read on each scrape (see `counterOf`). */
  gaugeOf(name: string, help: string, read: () => number): client.Gauge {
    return new client.Gauge({
      name: this.prefix + name,
      help,
      registers: [this.registry],
      collect(this: client.Gauge) {
        this.set(read());
      },
    });
  }

  /**
   * Gauges read from one measurement per scrape (a lag read from the database, say). The registry
   * collects every metric at once, so a gauge reading what another gauge's collect measured would
   * show the previous scrape's value: each of these awaits the same `measure`, run once per scrape.
   * A failed measurement leaves the values it would have set as they were.
   * @example
   * metrics.measuredGauges(measureLag, [{ name: 'lag_seconds', help: '…', read: () => lag.seconds }]);
   */
  measuredGauges(
    measure: () => Promise<void>,
    gauges: ReadonlyArray<{ name: string; help: string; read: () => number }>,
  ): void {
    let pending: Promise<void> | undefined;
    const measured = () =>
      (pending ??= measure()
        .catch(() => {})
        .finally(() => {
          pending = undefined;
        }));
    for (const { name, help, read } of gauges) {
      this.gauge(name, help, [], async (gauge) => {
        await measured();
        gauge.set(read());
      });
    }
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: number[] = SECONDS_BUCKETS,
  ): client.Histogram<L> {
    return new client.Histogram({ name: this.prefix + name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * A histogram for the hottest paths (observed on every request): its series are kept objects,
   * so an observation costs no label hashing (see `series-histogram.ts`).
   * @example
   * const duration = metrics.seriesHistogram('http_request_duration_seconds', 'By route.', ['route']);
   * duration.series({ route: '/things/:id' }).observe(0.004);
   */
  seriesHistogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[] = SECONDS_BUCKETS,
  ): SeriesHistogram<L> {
    const histogram = new SeriesHistogram(this.prefix + name, help, labelNames, buckets);
    // The registry reads any metric through `get()` and `reset()`; its types name only its own classes.
    this.registry.registerMetric(histogram as unknown as client.Metric);
    return histogram;
  }

  /** The exposition text (what `GET /metrics` answers). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Durations from 1 ms to 10 s: command, read and delivery latencies all fall inside. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Counts per batch (group commit, projector batch, relay send): 1 to 5000. */
export const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
