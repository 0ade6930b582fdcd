import { type HttpError, httpError } from '@publisher/platform';

/*
 * The read API's errors; each code's status is its entry in `STATUS_BY_CODE` (`@publisher/platform`).
 *
 * | code | when |
 * |---|---|
 * | POSITION_NOT_IN_LOG | `min_position` is past the head of the event log |
 * | PROJECTION_BEHIND | `min_position` not projected within the wait bound (Retry-After says when to retry) |
 * | PROJECTION_STOPPED | a poison event stopped the projection before `min_position` |
 * | SITE_NOT_FOUND | no deployment of that site is visible to the caller |
 */

export function projectionBehind(position: string, current: string | null, waitedMs: number): HttpError {
  return httpError(
    'PROJECTION_BEHIND',
    `position ${position} is not projected yet (read models are at ${current ?? 'the start'}; waited ${waitedMs} ms); retry shortly`,
    { headers: { 'retry-after': '1' } },
  );
}

export function projectionStopped(position: string, current: string | null): HttpError {
  return httpError(
    'PROJECTION_STOPPED',
    `position ${position} cannot be projected: the projection is stopped at ${current ?? 'the start'} by an event it cannot apply (operators: see the projector README)`,
    { headers: { 'retry-after': '30' } },
  );
}

export function positionNotInLog(position: string, head: string | null, field: string): HttpError {
  return httpError(
    'POSITION_NOT_IN_LOG',
    `position ${position} is past the head of the event log (${head ?? 'empty'}); send the X-Position of a command response`,
    { errors: { [field]: ['is past the head of the event log'] } },
  );
}

export const recordNotFound = (kind: string, id: string) => httpError('RECORD_NOT_FOUND', `${kind} ${id} not found`);

export const siteNotFound = (siteId: number) => httpError('SITE_NOT_FOUND', `no deployment of site ${siteId} found`);

export const accountForbidden = (accountId: number) =>
  httpError('ROLE_FORBIDDEN', `this token may not read account ${accountId}`, {
    errors: { 'querystring.account_id': ['may only name the token’s own account for this role'] },
  });

/** A read of one account by a role that reads every account, which must name it (`why` says why). */
export const accountRequired = (why: string) =>
  httpError('VALIDATION', `name the account with account_id: ${why}`, {
    errors: { 'querystring.account_id': ['is required for roles that read every account'] },
  });

/** A `cursor` the list did not hand out: every list answers it alike, whatever decoded it. */
export const invalidCursor = () =>
  httpError('VALIDATION', 'invalid cursor', {
    errors: { 'querystring.cursor': ['is not a cursor from a next or previous link of this list'] },
  });
