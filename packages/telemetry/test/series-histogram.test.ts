import { Scrape } from '@publisher/testing';
import client from 'prom-client';
import t from 'tap';
import { ServiceMetrics } from '../src/index.ts';

const LABELS = ['method', 'route', 'status_class'] as const;
const BUCKETS = [0.001, 0.01, 0.1, 1];
// On a bound (le is inclusive), between bounds, above every bound, and the same series again.
const OBSERVED: Array<[Record<(typeof LABELS)[number], string>, number]> = [
  [{ method: 'GET', route: '/things/:id', status_class: '2xx' }, 0.001],
  [{ method: 'GET', route: '/things/:id', status_class: '2xx' }, 0.005],
  [{ method: 'GET', route: '/things/:id', status_class: '2xx' }, 3],
  [{ method: 'GET', route: '/things/:id', status_class: '4xx' }, 0.0004],
  [{ method: 'POST', route: '/things/', status_class: '2xx' }, 0.02],
];

t.test('exposes what prom-client’s Histogram exposes for the same observations', async (t) => {
  const metrics = new ServiceMetrics('read_api');
  const fast = metrics.seriesHistogram('duration_seconds', 'Durations.', LABELS, BUCKETS);
  for (const [labels, value] of OBSERVED) fast.series(labels).observe(value);
  const registry = new client.Registry();
  const reference = new client.Histogram({
    name: 'publisher_read_api_duration_seconds',
    help: 'Durations.',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const [labels, value] of OBSERVED) reference.observe(labels, value);

  const ours = new Scrape(await metrics.text());
  const theirs = new Scrape(await registry.metrics());
  const name = 'publisher_read_api_duration_seconds';
  t.equal(ours.family(name)?.type, 'HISTOGRAM');
  t.equal(ours.family(name)?.help, 'Durations.');
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const sorted = (s: Scrape) =>
      s
        .samples(name + suffix)
        .map((x) => JSON.stringify([Object.entries(x.labels).sort(), x.value]))
        .sort();
    t.same(sorted(ours), sorted(theirs), `${suffix} samples`);
  }
  t.equal(
    ours.value(`${name}_bucket`, { status_class: '2xx', route: '/things/:id', le: '0.001' }),
    1,
    'le is inclusive',
  );
  t.equal(ours.value(`${name}_bucket`, { status_class: '2xx', route: '/things/:id', le: '+Inf' }), 3);
});

t.test('a series is one object per label set; reset zeroes it and it goes on counting', async (t) => {
  const metrics = new ServiceMetrics('read_api');
  const histogram = metrics.seriesHistogram('duration_seconds', 'Durations.', ['route']);
  const series = histogram.series({ route: '/a' });
  t.equal(histogram.series({ route: '/a' }), series);
  t.not(histogram.series({ route: '/b' }), series);
  series.observe(0.002);
  series.observe(Number.NaN);
  series.observe(Number.POSITIVE_INFINITY);
  const before = new Scrape(await metrics.text());
  t.equal(
    before.histogramCount('publisher_read_api_duration_seconds', { route: '/a' }),
    1,
    'non-finite values skipped',
  );
  metrics.registry.resetMetrics();
  series.observe(0.5);
  const after = new Scrape(await metrics.text());
  t.equal(after.histogramCount('publisher_read_api_duration_seconds', { route: '/a' }), 1);
  t.equal(after.value('publisher_read_api_duration_seconds_sum', { route: '/a' }), 0.5);
});
