/**
 * Every call to the APIs, through the console's same-origin proxy (`/api/read/…` → read API,
 * `/api/command/…` → command API), with the signed-in user's token and nothing else.
 */
import { API_PREFIX } from '@publisher/contracts/api-prefix';
import { readableMessage } from './messages.ts';
import { currentSession } from './session.ts';

interface ErrorBody {
  success: false;
  error: string;
  code: string;
  errors?: Record<string, string[]>;
  request_id?: string;
}

/** An API answer that was not a success, with what the user should read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string | null,
    readonly retryAfter: string | null,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(readableMessage(status, code, detail, retryAfter));
    this.name = 'ApiError';
  }
}

/** Called on any 401: the session is over, whatever the reason. */
let onUnauthorized: (error: ApiError) => void = () => {};
export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export interface ApiResponse<T> {
  body: T;
  headers: Headers;
}

async function call<T>(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const session = currentSession();
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the console cannot be reached', null, null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // A proxy or server page that is not JSON: reported below with the status alone.
  }
  if (response.ok) return { body: parsed as T, headers: response.headers };
  const error = parsed as Partial<ErrorBody> | null;
  const failure = new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.error ?? response.statusText ?? 'no detail',
    error?.request_id ?? response.headers.get('x-request-id'),
    response.headers.get('retry-after'),
    error?.errors ?? {},
  );
  if (response.status === 401) onUnauthorized(failure);
  throw failure;
}

/** A GET on the read API: `path` below `/api/v1/publisher/`, e.g. `publishing-records/?site_id=3`. */
export function read<T>(path: string): Promise<ApiResponse<T>> {
  return call<T>('GET', `/api/read/${path}`);
}

/**
 * A POST on the command API (the console only re-drives), applied only to the record's `revision`
 * (`If-Match`): what the user decided on is what the command changes, and a repeat of it is refused.
 */
export function command<T>(path: string, body: unknown, revision: number): Promise<ApiResponse<T>> {
  return call<T>('POST', `/api/command/${path}`, body, { 'if-match': `"${revision}"` });
}

/**
 * The read-API path of a `next` / `previous` link: the APIs write absolute URLs of their own
 * origin; the console goes on through its proxy with the same path and query.
 */
export function pageLink(link: string | null): string | null {
  if (link === null) return null;
  const url = new URL(link, location.origin);
  const base = `${API_PREFIX}/`;
  const at = url.pathname.indexOf(base);
  if (at < 0) return null;
  return `${url.pathname.slice(at + base.length)}${url.search}`;
}

/**
 * The APIs' envelopes as `@publisher/contracts` defines them (`ListEnvelopeOf`, `SuccessEnvelopeOf`),
 * restated: the browser build is type-checked without Node's types, which that package's sources use.
 */
export interface ListEnvelope<T> {
  success: true;
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
  request_id: string;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  message?: string;
  request_id: string;
}
