import parsePrometheusText from 'parse-prometheus-text-format';

/** One metric family as the parser returns it (values are strings, as in the text). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

/** A parsed scrape: every family by name. */
export class Scrape {
  readonly families: Map<string, MetricFamily>;

  constructor(readonly text: string) {
    const parsed = parsePrometheusText(text) as MetricFamily[];
    this.families = new Map(parsed.map((family) => [family.name, family]));
  }

  family(name: string): MetricFamily | undefined {
    return this.families.get(name);
  }

  /** The value of the sample of `name` whose labels include `labels`; undefined if none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const sample = this.family(name)?.metrics.find((m) =>
      Object.entries(labels).every(([key, value]) => m.labels?.[key] === value),
    );
    return sample?.value === undefined ? undefined : Number(sample.value);
  }

  /** Total observation count of histogram `name` over the samples whose labels include `labels`. */
  histogramCount(name: string, labels: Record<string, string> = {}): number {
    return (this.family(name)?.metrics ?? [])
      .filter((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value))
      .reduce((sum, m) => sum + Number(m.count ?? 0), 0);
  }

  /** Every label name used by any family (to check that no unbounded label such as `position` exists). */
  labelNames(): Set<string> {
    const names = new Set<string>();
    for (const family of this.families.values()) {
      for (const m of family.metrics) for (const key of Object.keys(m.labels ?? {})) names.add(key);
    }
    return names;
  }
}

/**
 * GETs a Prometheus endpoint and parses it with a Prometheus text parser (not string matching).
 * @example
 * const scrape = await scrapeMetrics(`http://127.0.0.1:${port}/metrics`);
 * t.ok(scrape.value('publisher_relay_events_total')! > 0);
 */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return new Scrape(await response.text());
}
