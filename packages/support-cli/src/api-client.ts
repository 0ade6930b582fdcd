/**
 * A small client of the command and read APIs for the support CLI: the caller's token, the unified
 * envelope unwrapped, API errors as `ApiError` (status, code, message, field errors).
 */
import { errorMessage } from '@publisher/coordination';
import { API_PREFIX } from '@publisher/platform';
import type { SupportCliConfig } from './config.ts';

export interface ApiClientOptions {
  commandApiUrl: string;
  readApiUrl: string;
  token: string | undefined;
  /** Injected in tests; global fetch otherwise. */
  fetch?: typeof fetch;
}

/** An error envelope from an API (or a transport failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: Record<string, string[]>,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClient {
  /** GET on the read API; `path` is relative to `/api/v1/publisher/`. */
  read<T = unknown>(path: string, query?: Record<string, string | number | undefined>): Promise<ApiResponse<T>>;
  /** POST on the command API; `path` is relative to `/api/v1/publisher/`. */
  command<T = unknown>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

const PREFIX = `${API_PREFIX}/`;

/** The API base URLs and token of `config` (SUPPORT_CLI_VARIABLES); `--token`, when given, instead of PUBLISHER_TOKEN. */
export function apiClientOptions(config: SupportCliConfig, token: string | undefined): ApiClientOptions {
  return {
    commandApiUrl: config.commandApiUrl,
    readApiUrl: config.readApiUrl,
    token: token ?? config.token ?? undefined,
  };
}

/**
 * @example
 * const api = createApiClient(apiClientOptions(loadSupportCliConfig(process.env), undefined));
 * const { body } = await api.read('publishing-records/42/history', { page_size: 100 });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? fetch;
  async function call<T>(base: string, method: string, path: string, init: RequestInit): Promise<ApiResponse<T>> {
    if (!options.token) {
      throw new ApiError(0, 'TOKEN_MISSING', 'no token: pass --token or set PUBLISHER_TOKEN (pnpm --silent token …)');
    }
    const url = new URL(PREFIX + path.replace(/^\/+/, ''), base);
    let res: Response;
    try {
      res = await doFetch(url, {
        ...init,
        method,
        headers: { authorization: `Bearer ${options.token}`, ...(init.headers as Record<string, string>) },
      });
    } catch (err) {
      throw new ApiError(0, 'UNREACHABLE', `${method} ${url.origin} failed: ${errorMessage(err)}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ApiError(res.status, 'NOT_JSON', `${method} ${url.pathname} answered ${res.status} without JSON`);
    }
    if (!res.ok) {
      const e = (body ?? {}) as {
        code?: string;
        error?: string;
        errors?: Record<string, string[]>;
        request_id?: string;
      };
      throw new ApiError(res.status, e.code ?? 'HTTP_ERROR', e.error ?? `HTTP ${res.status}`, e.errors, e.request_id);
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }
  return {
    read(path, query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
      const suffix = qs.size > 0 ? `?${qs}` : '';
      return call(options.readApiUrl, 'GET', `${path}${suffix}`, {});
    },
    command(path, body, headers = {}) {
      return call(options.commandApiUrl, 'POST', path, {
        body: JSON.stringify(body ?? {}),
        headers: { 'content-type': 'application/json', ...headers },
      });
    },
  };
}
