/**
 * The APIs' answers the console reads, typed by their schemas in the contracts (type-only imports:
 * nothing of the contracts' schemas enters the browser bundle). A record is shown field by field as
 * the API sends it, so new fields appear without a change to the views.
 */

import type {
  AccessLogEntry,
  AnyHistoryEntry,
  AnyRedriveResult,
  DeploymentRepresentation,
  PublishingRecordRepresentation,
} from '@publisher/contracts/http';
import { DEPLOYMENT_STATUSES, PUBLISHING_STATUSES } from '@publisher/contracts/statuses';

/** `publishing-records` or `deployments`: the path segment of a record kind on both APIs. */
export type RecordKind = 'publishing-records' | 'deployments';

export const KIND_LABEL: Record<RecordKind, string> = {
  'publishing-records': 'Publishing record',
  deployments: 'Deployment',
};

export const STATUSES: Record<RecordKind, readonly string[]> = {
  'publishing-records': PUBLISHING_STATUSES,
  deployments: DEPLOYMENT_STATUSES,
};

/** A record as both APIs answer it, of either kind; the views also read its fields by name. */
export type Representation = (PublishingRecordRepresentation | DeploymentRepresentation) & Record<string, unknown>;

/** One event of `GET {kind}/{id}/history`. */
export type HistoryEntry = AnyHistoryEntry;

/** The answer of a re-drive (`POST …/republish`, `…/redeliver`). */
export type RedriveResult = AnyRedriveResult;

/** One entry of `GET audit/access-log`. */
export type { AccessLogEntry };
