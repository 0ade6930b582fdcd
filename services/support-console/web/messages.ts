/**
 * What the console tells a support person when an API says no: one sentence per status, with the
 * API's own reason where it helps. The code and request id are shown beside it (`ui.ts`).
 * @example
 * readableMessage(429, 'RATE_LIMITED', 'rate limit exceeded', '12')
 * // 'Too many requests for your account. Wait 12 seconds and try again.'
 */
export function readableMessage(status: number, code: string, detail: string, retryAfter: string | null): string {
  switch (status) {
    case 400:
      return `The request was refused as invalid: ${detail}`;
    case 401:
      return code === 'AUTH_TOKEN_EXPIRED'
        ? 'Your token has expired. Sign in again.'
        : `Your token was not accepted (${detail}). Sign in again.`;
    case 403:
      return `Your role may not do this: ${detail}`;
    case 404:
      return code === 'RECORD_DELETED'
        ? `Deleted: ${detail}.`
        : 'Not found: there is no such record, or it belongs to an account you cannot see.';
    case 409:
      return `Not possible in the record's current state: ${detail}`;
    case 412:
      return 'The record changed since this page read it (or this was already done): reload it and decide again.';
    case 429:
      return `Too many requests for your account. Wait ${retryAfter ?? 'a few'} seconds and try again.`;
    case 503:
      return `A Publisher service is unavailable right now (${detail}). Try again ${retryAfter ? `in ${retryAfter} seconds` : 'shortly'}.`;
    default:
      return status >= 500 ? `The server failed (${status}): ${detail}` : `Request failed (${status}): ${detail}`;
  }
}
