/**
 * The console's own error codes (beside the platform's) and their HTTP statuses.
 *
 * | code | status | when |
 * |---|---|---|
 * | `UPSTREAM_UNAVAILABLE` | 503 | the command API or the read API cannot be reached (refused, reset, timed out) |
 */
export const UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE';

export const SUPPORT_CONSOLE_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [UPSTREAM_UNAVAILABLE]: 503,
};
