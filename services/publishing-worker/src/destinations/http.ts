import http from 'node:http';
import https from 'node:https';
import {
  createGuardedLookup,
  type DestinationPolicy,
  destinationUrlProblem,
  type Resolve,
} from '@publisher/destination-policy';
import { DeliveryError } from '../errors.ts';

/** Answers beyond this are cut: the worker needs a status and a little JSON, never a page. */
const MAX_BODY_BYTES = 64 * 1024;

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body's JSON object, or {} (not JSON, not an object, empty, or cut at the size cap). */
  json: Record<string, unknown>;
}

/** How the worker reaches destinations; one per worker, shared by the adapters. */
export interface OutboundHttp {
  /**
   * One request to a tenant's destination: the URL is checked against the policy, the host name
   * is resolved once and every address checked (the socket connects to that address, nothing is
   * resolved again), no redirect is followed, and the whole exchange is bounded in time and size.
   * Network errors, refusals and timeouts become `DeliveryError`s whose message names the host and
   * the kind of failure only; any status comes back to the caller.
   */
  request(
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<HttpResult>;
}

/**
 * @example
 * const outbound = createOutboundHttp({ allowPrivate: false });
 * const res = await outbound.request(url, { method: 'POST', body, headers }, { timeoutMs: 10_000 });
 */
export function createOutboundHttp(policy: DestinationPolicy, resolve?: Resolve): OutboundHttp {
  const lookup = createGuardedLookup(policy, resolve);
  return {
    request(url, init, options) {
      const problem = destinationUrlProblem(url, policy);
      if (problem) return Promise.reject(new DeliveryError(`the destination URL ${problem}`));
      const target = new URL(url);
      const host = hostOf(target);
      // Already stopping: the abort event has fired, and a listener added below would not hear it.
      if (options.signal?.aborted) {
        return Promise.reject(new DeliveryError(`delivery to ${host} was interrupted (worker stopping)`));
      }
      const client = target.protocol === 'https:' ? https : http;
      return new Promise<HttpResult>((resolve, reject) => {
        let settled = false;
        const finish = (err: Error | null, result?: HttpResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(result!);
        };
        const req = client.request(target, {
          method: init.method,
          headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
          // A fresh connection per delivery: a socket checked for one tenant's host is never reused
          // for another's, and `lookup` runs for every connection.
          agent: false,
          lookup,
        });
        // Once the body is sent, a failure before the answer does not mean nothing arrived: the
        // message says so, so that a user thinks before retrying.
        let sent = false;
        req.on('finish', () => {
          sent = true;
        });
        const maybeReceived = () => (sent ? '; the destination may have received it' : '');
        // An answer whose status came but whose body did not finish in time is that status, unread.
        let answered: HttpResult | undefined;
        const timer = setTimeout(() => {
          finish(
            answered === undefined
              ? new DeliveryError(`${host} did not answer within ${options.timeoutMs} ms (timeout)${maybeReceived()}`)
              : null,
            answered,
          );
          req.destroy();
        }, options.timeoutMs);
        const onAbort = () => {
          finish(new DeliveryError(`delivery to ${host} was interrupted (worker stopping)`));
          req.destroy();
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', (err) => finish(networkError(host, err, sent)));
        req.on('response', (res) => {
          answered = { status: res.statusCode ?? 0, headers: res.headers, json: {} };
          const chunks: Buffer[] = [];
          let size = 0;
          let cut = false;
          res.on('data', (chunk: Buffer) => {
            if (cut) return;
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              cut = true;
              res.destroy();
              return finish(null, { status: res.statusCode ?? 0, headers: res.headers, json: {} });
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => finish(new DeliveryError(`${host} broke off its answer (${classify(err)})`)));
          res.on('end', () =>
            finish(null, { status: res.statusCode ?? 0, headers: res.headers, json: parseJson(chunks) }),
          );
        });
        req.end(init.body);
      });
    },
  };
}

function parseJson(chunks: Buffer[]): Record<string, unknown> {
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `scheme://host[:port]`: messages never echo a URL's path or query. */
function hostOf(url: URL): string {
  return url.origin;
}

function classify(err: NodeJS.ErrnoException): string {
  return err.code ?? err.name;
}

function networkError(host: string, err: NodeJS.ErrnoException, sent: boolean): DeliveryError {
  if (err.code === 'DESTINATION_REFUSED') {
    const refusal = (err as { refusal?: string }).refusal;
    return new DeliveryError(`${host} resolves to a ${refusal} address; refused (nothing was sent)`, { cause: err });
  }
  if (sent) {
    return new DeliveryError(
      `${host} closed the connection before answering (${classify(err)}); the destination may have received it`,
      { cause: err },
    );
  }
  return new DeliveryError(`cannot reach ${host} (${classify(err)})`, { cause: err });
}

/**
 * A short description of a non-2xx answer for the record's error_message: the status and its class,
 * never the body (a destination's answer is not ours to copy into records, logs or Kafka).
 * @example
 * describeStatus('webhook', 503) // 'webhook answered 503 (server error)'
 */
export function describeStatus(destination: string, status: number): string {
  return `${destination} answered ${status} (${statusClass(status)})`;
}

function statusClass(status: number): string {
  if (status === 429) return 'rate limited';
  if (status === 408) return 'request timeout';
  if (status === 401 || status === 403) return 'authentication refused';
  if (status === 404 || status === 410) return 'not found';
  if (status >= 300 && status < 400) return 'redirect, not followed';
  if (status >= 400 && status < 500) return 'client error';
  if (status >= 500 && status < 600) return 'server error';
  return 'unexpected status';
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
