/**
 * Error codes of the platform plugins and the HTTP status each maps to. Services add their own
 * codes through `errorHandler`'s `statusByCode` option; domain and event-store codes are listed here
 * so every API answers them the same way (see the table in ../README.md).
 */
export const DEFAULT_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // 400 invalid input
  VALIDATION: 400,
  INVALID_JSON: 400,
  INVALID_HEADER: 400,
  // 401 missing or invalid token
  AUTH_TOKEN_MISSING: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  AUTH_CLAIMS_INVALID: 401,
  // 403 the role (or the token's site list) may not
  ROLE_FORBIDDEN: 403,
  SITE_FORBIDDEN: 403,
  // 404 unknown, or another tenant's record
  ROUTE_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  RECORD_DELETED: 404,
  // 409 illegal transition or version conflict
  ILLEGAL_TRANSITION: 409,
  RECORD_ALREADY_EXISTS: 409,
  DEPLOYMENT_IN_PROGRESS: 409,
  WRONG_EXPECTED_VERSION: 409,
  // 412 If-Match mismatch
  PRECONDITION_FAILED: 412,
  // 413 / 415 body
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 429 throttled
  RATE_LIMITED: 429,
  // 503 a dependency is down, or the server is shutting down
  EVENT_STORE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
  // 500 anything unexpected (message hidden)
  INTERNAL_ERROR: 500,
};

export interface HttpErrorOptions {
  /** Field → messages, sent as the envelope's `errors`. */
  errors?: Record<string, string[]>;
  /** Response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error meant for the client: its code, status and message go into the error envelope as they are.
 * @example
 * throw new HttpError('PRECONDITION_FAILED', 412, 'If-Match "2" does not match revision 3');
 */
export class HttpError extends Error {
  readonly errors: Record<string, string[]> | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/**
 * Builds an HttpError whose status comes from DEFAULT_STATUS_BY_CODE.
 * @example
 * throw httpError('ROLE_FORBIDDEN', 'role viewer may not write');
 */
export function httpError(
  code: keyof typeof DEFAULT_STATUS_BY_CODE & string,
  message: string,
  options?: HttpErrorOptions,
) {
  return new HttpError(code, DEFAULT_STATUS_BY_CODE[code] ?? 500, message, options);
}

/** Configuration was missing or invalid at start-up; the process should exit. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
