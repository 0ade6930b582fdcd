import parsePrometheusText from 'parse-prometheus-text-format';

/** One metric family as the parser returns it (values are strings, as in the text). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const matches = (sample: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([key, value]) => sample.labels[key] === value);

/**
 * A scrape parsed by a Prometheus text parser: the families (name, type, help) and every sample by
 * its own name (`x_bucket`, `x_count`, … included, with all their labels).
 */
export class Scrape {
  readonly families: Map<string, MetricFamily>;
  readonly #samples = new Map<string, Sample[]>();

  constructor(readonly text: string) {
    const parsed = parsePrometheusText(text) as MetricFamily[];
    this.families = new Map(parsed.map((family) => [family.name, family]));
    // The parser folds a histogram's samples into one (it keeps no labels of labelled histograms):
    // parsed again without the metadata lines, every sample keeps its own name and labels.
    const bare = text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    for (const family of parsePrometheusText(bare) as MetricFamily[]) {
      const list = this.#samples.get(family.name) ?? [];
      for (const m of family.metrics) list.push({ labels: m.labels ?? {}, value: Number(m.value) });
      this.#samples.set(family.name, list);
    }
  }

  family(name: string): MetricFamily | undefined {
    return this.families.get(name);
  }

  /** Samples named `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    return (this.#samples.get(name) ?? []).filter((s) => matches(s, labels));
  }

  /** The value of the first sample of `name` whose labels include `labels`; undefined if none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.samples(name, labels)[0]?.value;
  }

  /** Observations of histogram `name` over its series whose labels include `labels`. */
  histogramCount(name: string, labels: Record<string, string> = {}): number {
    return this.samples(`${name}_count`, labels).reduce((sum, s) => sum + s.value, 0);
  }

  /** Every label name of every sample (to check that no unbounded label such as `position` exists). */
  labelNames(): Set<string> {
    const names = new Set<string>();
    for (const list of this.#samples.values())
      for (const s of list) for (const key of Object.keys(s.labels)) names.add(key);
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
