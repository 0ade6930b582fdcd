import { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';

/**
 * A `publishing_records` row: the record's representation (the domain aggregate's `represent`)
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

/** The PostgreSQL type a column is written as. */
type ColumnSqlType = 'uuid' | 'int' | 'float8' | 'text' | 'bool' | 'jsonb' | 'timestamptz';

/** What a write of a row sets, in table order: each column (the document last) with its type. */
export type RowWrites<Row> = ReadonlyArray<readonly [keyof WithDocument<Row> & string, ColumnSqlType]>;

interface FieldSchema {
  type?: string;
  format?: string;
  anyOf?: FieldSchema[];
}

/** A representation field's column type, read off its schema (a nullable one: its other member). */
function sqlTypeOf(schema: FieldSchema): ColumnSqlType {
  const s = schema.anyOf?.find((member) => member.type !== 'null') ?? schema;
  if (s.type === 'integer') return 'int';
  if (s.type === 'number') return 'float8';
  if (s.type === 'boolean') return 'bool';
  if (s.type === 'object') return 'jsonb';
  if (s.format === 'uuid') return 'uuid';
  if (s.format === 'date-time') return 'timestamptz';
  if (s.type === 'string') return 'text';
  throw new TypeError(`no column type for the schema ${JSON.stringify(schema)}`);
}

/** The writes of a row whose columns are `representation`'s fields, then `bookkeeping`'s, then the document. */
function writesOf<Row>(
  representation: { properties: object },
  bookkeeping: Record<string, ColumnSqlType>,
): RowWrites<Row> {
  const fields = Object.entries(representation.properties as Record<string, FieldSchema>).map(([name, schema]) => [
    name,
    sqlTypeOf(schema),
  ]);
  return [...fields, ...Object.entries(bookkeeping), ['document', 'text']] as unknown as RowWrites<Row>;
}

export const PUBLISHING_RECORD_WRITES = writesOf<PublishingRecordRow>(PublishingRecordRepresentation, {
  deleted: 'bool',
  last_position: 'text',
});

export const DEPLOYMENT_WRITES = writesOf<DeploymentRow>(DeploymentRepresentation, { last_position: 'text' });
