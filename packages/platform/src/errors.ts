import { type ErrorCode, STATUS_BY_CODE } from '@publisher/contracts';

export { type ErrorCode, isErrorCode, STATUS_BY_CODE } from '@publisher/contracts';

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
