import { ErrorEnvelope } from '@publisher/contracts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input (field errors in `errors`)',
  401: 'missing, invalid or expired token',
  403: 'the role may not read that account',
  404: 'unknown record, or another tenant’s',
  429: 'rate limit exceeded (see Retry-After)',
  503: 'min_position not projected in time (PROJECTION_BEHIND), projection stopped, or a dependency is down; see Retry-After',
};

/** Error responses of a read route, for the OpenAPI document. */
export function errorResponses(...extra: number[]): Record<number, typeof ErrorEnvelope> {
  return Object.fromEntries(
    [400, 401, 403, 429, 503, ...extra].map((c) => [c, { ...ErrorEnvelope, description: DESCRIPTIONS[c] ?? 'error' }]),
  );
}

/** The `X-Read-Position` response header: the read models include every event up to it. */
export const READ_POSITION_HEADER = 'x-read-position';
