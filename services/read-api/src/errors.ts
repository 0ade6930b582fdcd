import { HttpError, httpError } from '@publisher/platform';

/**
 * The read API's own error codes (the platform's are in packages/platform/src/errors.ts).
 *
 * | code | status | when |
 * |---|---|---|
 * | PROJECTION_BEHIND | 503 | `min_position` not projected within the wait bound (Retry-After says when to retry) |
 * | PROJECTION_STOPPED | 503 | a poison event stopped the projection before `min_position` |
 * | SITE_NOT_FOUND | 404 | no deployment of that site is visible to the caller |
 */
export const READ_API_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  PROJECTION_BEHIND: 503,
  PROJECTION_STOPPED: 503,
  SITE_NOT_FOUND: 404,
};

export function projectionBehind(position: string, current: string | null, waitedMs: number): HttpError {
  return new HttpError(
    'PROJECTION_BEHIND',
    503,
    `position ${position} is not projected yet (read models are at ${current ?? 'the start'}; waited ${waitedMs} ms); retry shortly`,
    { headers: { 'retry-after': '1' } },
  );
}

export function projectionStopped(position: string, current: string | null): HttpError {
  return new HttpError(
    'PROJECTION_STOPPED',
    503,
    `position ${position} cannot be projected: the projection is stopped at ${current ?? 'the start'} by an event it cannot apply (operators: see the projector README)`,
    { headers: { 'retry-after': '30' } },
  );
}

export const recordNotFound = (kind: string, id: string) => httpError('RECORD_NOT_FOUND', `${kind} ${id} not found`);

export const siteNotFound = (siteId: number) =>
  new HttpError('SITE_NOT_FOUND', 404, `no deployment of site ${siteId} found`);

export const accountForbidden = (accountId: number) =>
  httpError('ROLE_FORBIDDEN', `this token may not read account ${accountId}`, {
    errors: { account_id: ['may only name the token’s own account for this role'] },
  });
