/**
 * Every error code a Publisher API answers with, and its HTTP status: the one table (the README's
 * "Error codes" lists when each is used). Codes that domain and event-store errors carry are here
 * too, so every API maps them the same way.
 */
export const STATUS_BY_CODE = {
  // 400 invalid input
  VALIDATION: 400,
  INVALID_JSON: 400,
  INVALID_HEADER: 400,
  POSITION_NOT_IN_LOG: 400,
  // a client error raised by a plugin with a code of its own
  BAD_REQUEST: 400,
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
  SITE_NOT_FOUND: 404,
  // 409 illegal transition or version conflict
  ILLEGAL_TRANSITION: 409,
  RECORD_ALREADY_EXISTS: 409,
  DEPLOYMENT_IN_PROGRESS: 409,
  WRONG_EXPECTED_VERSION: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  // 412 If-Match mismatch
  PRECONDITION_FAILED: 412,
  // 413 / 415 body
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 422 an Idempotency-Key reused with another request
  IDEMPOTENCY_KEY_REUSED: 422,
  // 429 throttled
  RATE_LIMITED: 429,
  // 503 a dependency is down, the read models are not there yet, the event store's append queue is
  // full (APPEND_QUEUE_MB), or the server is shutting down
  EVENT_STORE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  PROJECTION_BEHIND: 503,
  PROJECTION_STOPPED: 503,
  APPEND_QUEUE_FULL: 503,
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
  // the support console cannot reach the command API or the read API it forwards to
  UPSTREAM_UNAVAILABLE: 503,
  // 500 anything unexpected (message hidden)
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

/** A code of `STATUS_BY_CODE`: `httpError('TYPO', …)` does not compile. */
export type ErrorCode = keyof typeof STATUS_BY_CODE;

/** Whether a code thrown by any layer (a domain or event-store error's `code`) is one of ours. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

export interface HttpErrorOptions {
  /** Field → messages, sent as the envelope's `errors`. */
  errors?: Record<string, string[]>;
  /** Response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error meant for the client: its code, the code's status and the message go into the error
 * envelope as they are.
 * @example
 * throw new HttpError('PRECONDITION_FAILED', 'If-Match "2" does not match revision 3');
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly errors: Record<string, string[]> | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.statusCode = STATUS_BY_CODE[code];
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/**
 * Builds an HttpError; its status comes from `STATUS_BY_CODE`.
 * @example
 * throw httpError('ROLE_FORBIDDEN', 'role viewer may not write');
 */
export function httpError(code: ErrorCode, message: string, options?: HttpErrorOptions): HttpError {
  return new HttpError(code, message, options);
}
