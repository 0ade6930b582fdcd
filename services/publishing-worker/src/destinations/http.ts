import { DeliveryError } from '../errors.ts';

/** Response bodies beyond this are cut: a destination's error page must not flood an error_message. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * One HTTP request with a hard timeout (undici, through Node's fetch). Network errors and timeouts
 * become `DeliveryError`s; any status comes back to the caller. Redirects are not followed: a POST
 * that is redirected did not reach its destination.
 *
 * @example
 * const res = await httpRequest(url, { method: 'POST', body, headers }, { timeoutMs: 10_000 });
 */
export async function httpRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<HttpResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal, redirect: 'manual' });
  } catch (err) {
    if (timeout.aborted) throw new DeliveryError(`${hostOf(url)} did not answer within ${options.timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DeliveryError(`cannot reach ${hostOf(url)}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
      cause: err,
    });
  }
  let text: string;
  try {
    text = await readCapped(response);
  } catch (err) {
    if (timeout.aborted)
      throw new DeliveryError(`${hostOf(url)} did not finish answering within ${options.timeoutMs} ms`);
    throw new DeliveryError(`${hostOf(url)} broke off its answer: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** `scheme://host[:port]` of a URL, for messages that must not echo query strings. */
export function hostOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the destination';
  }
}

/** A short, single-line description of a non-2xx answer for the record's error_message. */
export function describeStatus(destination: string, result: HttpResult): string {
  const snippet = result.text.replace(/\s+/g, ' ').trim().slice(0, 500);
  return `${destination} answered ${result.status}${snippet ? `: ${snippet}` : ''}`;
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
