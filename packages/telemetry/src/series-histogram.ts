/** A sample as prom-client's registry reads it from a metric's `get()`. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One series of a `SeriesHistogram` (one set of label values): keep it and observe on it. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface Series extends HistogramSeries {
  labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Speed trick, for a histogram observed on every request (`http_request_duration_seconds`): a
 * Prometheus histogram whose series are objects the caller keeps, so an observation is a bucket
 * search and three additions. prom-client's `observe` — with a labels object or on a `labels(…)`
 * child alike — checks the label names, builds a string key from the label values and looks it up,
 * and turns the bucket bound into a string key, on every call: about as much CPU as the rest of the
 * request telemetry together.
 *
 * What it trades: it is not a `client.Histogram` but a metric of its own in the service's prom-client
 * registry (the registry reads it through `get()` and `reset()`, as it reads its own), so it offers
 * only `series(labels).observe(value)`; the exposition (`_bucket` with `le`, `_sum`, `_count`) is the
 * same, and `test/series-histogram.test.ts` parses it. Measure: `pnpm exec tsx packages/telemetry/bench/request-cost.ts`.
 * @example
 * const duration = metrics.seriesHistogram('http_request_duration_seconds', 'By route.', ['method', 'route']);
 * const ok = duration.series({ method: 'GET', route: '/things/:id' });
 * ok.observe(0.004);
 */
export class SeriesHistogram<L extends string = string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();
  readonly #bounds: number[];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    buckets: readonly number[],
  ) {
    this.#bounds = [...buckets].sort((a, b) => a - b);
  }

  /** The series of these label values, made on first use (the same object for the same values). */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.#newSeries(Object.fromEntries(this.labelNames.map((name) => [name, labels[name]])));
      this.#series.set(key, series);
    }
    return series;
  }

  #newSeries(labels: Record<string, string>): Series {
    const bounds = this.#bounds;
    const series: Series = {
      labels,
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(value: number) {
        // prom-client throws on these; a request's telemetry must never fail the request.
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        series.counts[i]!++;
        series.sum += value;
        series.count++;
      },
    };
    return series;
  }

  /** What the registry exposes: cumulative buckets (`le`, `+Inf`), `_sum` and `_count` per series. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series (the registry's `resetMetrics()`); series handed out go on counting from zero. */
  reset(): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
