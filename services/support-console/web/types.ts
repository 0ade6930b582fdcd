/**
 * The parts of the APIs' answers the console reads (their schemas: each API's `/docs/json`).
 * A record is shown field by field as the API sends it, so new fields appear without a change here.
 */

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

export type Representation = Record<string, unknown> & {
  id: string;
  account_id: number;
  site_id: number;
  status: string;
  revision: number;
  created_at: string;
  updated_at: string;
};

interface Actor {
  user_id: string | null;
  role: string | null;
}

/** One event of `GET {kind}/{id}/history`. */
export interface HistoryEntry {
  revision: number;
  position: string;
  type: string;
  recorded_at: string;
  occurred_at: string;
  actor: Actor;
  request_id: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  data: Record<string, unknown>;
  changes: Record<string, [unknown, unknown]>;
  state: Representation | null;
}

/** The answer of a re-drive (`POST …/republish`, `…/redeliver`). */
export interface RedriveResult {
  dry_run: boolean;
  action: 'republish' | 'redeliver';
  effect: string;
  event: { id: string | null; type: string; data: Record<string, unknown> };
  record: Representation;
  replay?: {
    replay_id: string | null;
    events: Array<{ event_id: string; type: string; revision: number; position: string }>;
  };
}

/** One entry of `GET audit/access-log`. */
export interface AccessLogEntry {
  id: number;
  at: string;
  account_id: number;
  site_id: number | null;
  reader: { user_id: string; role: string; account_id: number | null };
  action: string;
  record_kind: string | null;
  record_id: string | null;
  query: Record<string, unknown>;
  request_id: string;
}
