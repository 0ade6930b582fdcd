// One autocannon run in a worker thread, so that two servers loaded at the same time each get a
// load generator of their own: one event loop driving both favours one of them markedly.
// Plain JavaScript because a worker's entry file is loaded before tsx's hooks apply (Node 20);
// typechecked all the same (`// @ts-check` is implied by the root tsconfig's `checkJs`).
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** @type {{ url: string; connections: number; duration: number; requests: autocannon.Request[][] }} */
const { url, connections, duration, requests } = workerData;
/** @type {autocannon.Options} */
const opts = { url, connections, duration, setupClient: (client) => client.setRequests(requests.shift() ?? []) };
/** @type {(results: autocannon.Result[], opts: autocannon.Options) => autocannon.Result} */
// @ts-expect-error documented in autocannon's README, missing from @types/autocannon 7.12
const aggregateResult = autocannon.aggregateResult;
// In a worker thread autocannon answers with its raw histograms: aggregate them as its main thread does.
const result = aggregateResult([await autocannon(opts)], opts);
parentPort?.postMessage({
  rps: result.requests.total / duration,
  total: result.requests.total,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
});
