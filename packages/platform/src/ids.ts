import { v7 } from 'uuid';

/**
 * A new id for a record, an event or a request: a time-ordered UUID (v7, monotonic within a
 * millisecond). The indexes on these ids — the event store's and the audit model's event ids, the
 * audit model's correlation ids, the records' primary keys — then take each insert at their right
 * edge, where a random id would land on a cold page of a large index and rewrite it to the WAL after
 * every checkpoint (see docs/scaling.md).
 */
export const newId = (): string => v7();
