declare module 'parse-prometheus-text-format' {
  /** Parses Prometheus text exposition into metric families (see `MetricFamily` in metrics.ts). */
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
