import { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';

/**
 * A `publishing_records` row: the record's representation (the domain's `representPublishingRecord`)
 * plus the projection's bookkeeping — `deleted` (soft delete: hidden from reads) and
 * `last_position` (the global position of its last event).
 */
export type PublishingRecordRow = PublishingRecordRepresentation & { deleted: boolean; last_position: string };

/** A `deployments` row: the representation plus `last_position` (deployments are never deleted). */
export type DeploymentRow = DeploymentRepresentation & { last_position: string };

/** A row as the projector writes it: with its document, the representation as JSON that reads send as it is. */
export type WithDocument<Row> = Row & { document: string };

/** The columns of a `PublishingRecordRow`: the representation's fields, then the bookkeeping. */
export const PUBLISHING_RECORD_COLUMNS: ReadonlyArray<keyof PublishingRecordRow> = [
  ...(Object.keys(PublishingRecordRepresentation.properties) as Array<keyof PublishingRecordRepresentation>),
  'deleted',
  'last_position',
];

/** The columns of a `DeploymentRow`. */
export const DEPLOYMENT_COLUMNS: ReadonlyArray<keyof DeploymentRow> = [
  ...(Object.keys(DeploymentRepresentation.properties) as Array<keyof DeploymentRepresentation>),
  'last_position',
];
