/**
 * The growth benchmark's measurements: open-loop load at a fixed rate (requests are sent on
 * schedule whether or not earlier ones have answered), so a latency percentile measures what one
 * request costs at that data size rather than how queues build up at saturation. Each measurement
 * returns its latencies in milliseconds.
 */
import http from 'node:http';
import { API_PREFIX } from '@publisher/contracts';
import type { GrowthStack } from './stack.ts';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a kept-alive connection to 127.0.0.1. */
export function request(
  port: number,
  method: string,
  path: string,
  authorization: string,
  body?: unknown,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function closeConnections(): void {
  agent.destroy();
}

export interface Samples {
  /** Latencies of the requests that succeeded, in ms. */
  ms: number[];
  failed: number;
}

/** Calls `one` `rate` times a second for `seconds`, without waiting for answers, then waits for them all. */
async function atRate(rate: number, seconds: number, one: () => Promise<void>): Promise<void> {
  const inflight = new Set<Promise<void>>();
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        sent++;
        const p: Promise<void> = one()
          .catch(() => {})
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** `atRate` of one request each time, timed; a status other than 200 (or an error) counts as failed. */
async function timedAtRate(rate: number, seconds: number, send: () => Promise<Reply>): Promise<Samples> {
  const samples: Samples = { ms: [], failed: 0 };
  await atRate(rate, seconds, async () => {
    const t0 = performance.now();
    const reply = await send().catch(() => null);
    if (reply?.status === 200) samples.ms.push(performance.now() - t0);
    else samples.failed++;
  });
  return samples;
}

export interface WriteSamples {
  /** Every command's latency. */
  append: Samples;
  /** Commands on records loaded before the run (the command API reads their streams). */
  loaded: Samples;
  /** From a command's answer to its record being visible through the read API (`min_position`). */
  lag: Samples;
}

/**
 * Commands at `rate`/s: records created in the run go create → start → succeed; every fifth
 * command edits a record loaded before the run (its stream read from the store, as for any
 * record the API has not cached). Each command is followed by a read of its record with the
 * command's position as `min_position`.
 */
export async function measureWrites(stack: GrowthStack, rate: number, seconds: number): Promise<WriteSamples> {
  const out: WriteSamples = {
    append: { ms: [], failed: 0 },
    loaded: { ms: [], failed: 0 },
    lag: { ms: [], failed: 0 },
  };
  const base = `${API_PREFIX}/publishing-records`;
  const followUps: Array<() => Promise<void>> = [];
  let n = 0;

  async function command(
    method: string,
    path: string,
    account: number,
    body: unknown,
    kind: 'new' | 'loaded',
  ): Promise<string | null> {
    const authorization = stack.token(account);
    const t0 = performance.now();
    const reply = await request(stack.commandPort, method, path, authorization, body);
    const t1 = performance.now();
    if (reply.status >= 300) {
      out.append.failed++;
      if (kind === 'loaded') out.loaded.failed++;
      return null;
    }
    out.append.ms.push(t1 - t0);
    if (kind === 'loaded') out.loaded.ms.push(t1 - t0);
    const id = (JSON.parse(reply.body) as { data: { id: string } }).data.id;
    const read = await request(
      stack.readPort,
      'GET',
      `${base}/${id}?min_position=${String(reply.headers['x-position'])}`,
      authorization,
    );
    if (read.status === 200) out.lag.ms.push(performance.now() - t1);
    else out.lag.failed++;
    return id;
  }

  await atRate(rate, seconds, async () => {
    n++;
    const followUp = followUps.shift();
    if (followUp) return followUp();
    if (n % 5 === 0) {
      const record = stack.pendingRecord();
      await command('PATCH', `${base}/${record.id}`, record.account, { metadata: { edited: n } }, 'loaded');
      return;
    }
    const account = 1 + Math.floor(Math.random() * stack.accounts);
    const id = await command(
      'POST',
      `${base}/`,
      account,
      { content_id: 1 + n, site_id: account * 100, sector_id: 1, destination: 'webhook', metadata: { n } },
      'new',
    );
    if (id) {
      followUps.push(async () => {
        if (await command('POST', `${base}/${id}/start`, account, {}, 'new')) {
          followUps.push(async () => {
            await command('POST', `${base}/${id}/succeed`, account, { external_url: `https://x.test/${id}` }, 'new');
          });
        }
      });
    }
  });
  return out;
}

/** `GET publishing-records/{id}` of random records (each read by a user of its account). */
export function measureDetail(stack: GrowthStack, port: number, rate: number, seconds: number): Promise<Samples> {
  return timedAtRate(rate, seconds, () => {
    const r = pick(stack.records);
    return request(port, 'GET', `${API_PREFIX}/publishing-records/${r.id}`, stack.token(r.account));
  });
}

/** `GET publishing-records/` (the newest page) of random accounts. */
export function measureList(stack: GrowthStack, port: number, rate: number, seconds: number): Promise<Samples> {
  return timedAtRate(rate, seconds, () => {
    const account = 1 + Math.floor(Math.random() * stack.accounts);
    return request(port, 'GET', `${API_PREFIX}/publishing-records/?page_size=20`, stack.token(account));
  });
}

/** `GET publishing-records/{id}/history` (the first page) of random records. */
export function measureHistory(stack: GrowthStack, rate: number, seconds: number): Promise<Samples> {
  return timedAtRate(rate, seconds, () => {
    const r = pick(stack.records);
    return request(stack.readPort, 'GET', `${API_PREFIX}/publishing-records/${r.id}/history`, stack.token(r.account));
  });
}

/** `GET audit/events` (the newest page) of random accounts. */
export function measureAudit(stack: GrowthStack, rate: number, seconds: number): Promise<Samples> {
  return timedAtRate(rate, seconds, () => {
    const account = 1 + Math.floor(Math.random() * stack.accounts);
    return request(stack.readPort, 'GET', `${API_PREFIX}/audit/events?page_size=20`, stack.token(account));
  });
}
