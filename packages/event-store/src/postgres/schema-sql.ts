/**
 * The event store's SQL, as numbered migrations applied in order by `migrate()`.
 * Every statement is schema-qualified through `{schema}` (quoted by the caller), so a database
 * can hold several stores side by side.
 */
import type { Migration } from '@publisher/coordination';

/** Sentinels passed to `append_to_stream` for the non-numeric expected revisions. */
export const EXPECT_NO_STREAM = -1;
export const EXPECT_ANY = -2;
export const EXPECT_STREAM_EXISTS = -3;

/**
 * Fixed first half of the two-int advisory-lock keys of stream appends (`hashtext(stream)` is the
 * second); the named locks of `@publisher/coordination` use another class, so none can collide.
 * Value: "publ" in ASCII, arbitrary but stable.
 */
const ADVISORY_LOCK_CLASS = 0x7075626c;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'streams, events and append_to_stream',
    sql: (s) => `
CREATE TABLE ${s}.streams (
  stream text PRIMARY KEY,
  -- revision of the stream's last event (0-based)
  revision bigint NOT NULL CHECK (revision >= 0)
);

CREATE TABLE ${s}.events (
  position bigint GENERATED ALWAYS AS IDENTITY,
  -- the appending transaction; (transaction_id, position) is the global order (see README)
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream text NOT NULL,
  revision bigint NOT NULL,
  id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, position),
  UNIQUE (stream, revision),
  -- event ids are unique across the store: consumers dedupe by event id alone
  UNIQUE (id)
);

-- One statement, one round trip, one transaction per append. Checks and locks the stream's row
-- FIRST and only then takes sequence values, so a conflict neither burns positions nor holds
-- them open. Returns ok = false with the actual revision (-1: no stream) on a conflict.
CREATE FUNCTION ${s}.append_to_stream(
  p_stream text,
  p_expected bigint,
  p_events jsonb
) RETURNS TABLE (ok boolean, revision bigint, transaction_id xid8, last_position bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  n bigint := jsonb_array_length(p_events);
  v_revision bigint;
  v_position bigint;
BEGIN
  IF p_expected IN (${EXPECT_ANY}, ${EXPECT_STREAM_EXISTS}) THEN
    -- A blind append could be assigned its transaction id before a rival that then locks the row
    -- first, which would put this stream's revisions out of order in the global log. Taking an
    -- advisory lock needs no transaction id, so ids are assigned in lock order.
    PERFORM pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext(p_stream));
  END IF;

  IF p_expected = ${EXPECT_NO_STREAM} THEN
    INSERT INTO ${s}.streams AS st (stream, revision) VALUES (p_stream, n - 1)
      ON CONFLICT (stream) DO NOTHING
      RETURNING st.revision INTO v_revision;
  ELSIF p_expected = ${EXPECT_ANY} THEN
    INSERT INTO ${s}.streams AS st (stream, revision) VALUES (p_stream, n - 1)
      ON CONFLICT (stream) DO UPDATE SET revision = st.revision + n
      RETURNING st.revision INTO v_revision;
  ELSIF p_expected = ${EXPECT_STREAM_EXISTS} THEN
    UPDATE ${s}.streams AS st SET revision = st.revision + n
      WHERE st.stream = p_stream
      RETURNING st.revision INTO v_revision;
  ELSE
    UPDATE ${s}.streams AS st SET revision = st.revision + n
      WHERE st.stream = p_stream AND st.revision = p_expected
      RETURNING st.revision INTO v_revision;
  END IF;

  IF v_revision IS NULL THEN
    RETURN QUERY SELECT false, coalesce((SELECT st.revision FROM ${s}.streams st WHERE st.stream = p_stream), -1),
      NULL::xid8, NULL::bigint;
    RETURN;
  END IF;

  WITH inserted AS (
    INSERT INTO ${s}.events (stream, revision, id, type, data, metadata)
    SELECT p_stream, v_revision - n + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
      ORDER BY e.ord
    RETURNING position
  )
  SELECT max(position) INTO v_position FROM inserted;

  RETURN QUERY SELECT true, v_revision, pg_current_xact_id(), v_position;
END
$fn$;
`,
  },
  {
    version: 2,
    description: 'append_batch: several appends in one transaction (group commit)',
    sql: (s) => `
-- Several appends in one call and one transaction, each with its own version check, in the order
-- given (the caller sorts them by stream so that concurrent batches lock rows in one order and
-- cannot deadlock). A member that conflicts reports ok = false like append_to_stream and does not
-- affect the others; any error aborts the whole batch (the caller then appends one by one).
-- Blind appends are refused: their advisory lock must be taken before the transaction has an id
-- (see append_to_stream), which an earlier member of a batch would already have assigned.
CREATE FUNCTION ${s}.append_batch(
  p_streams text[],
  p_expected bigint[],
  p_events jsonb
) RETURNS TABLE (ord int, ok boolean, revision bigint, transaction_id xid8, last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
    IF p_expected[i] IN (${EXPECT_ANY}, ${EXPECT_STREAM_EXISTS}) THEN
      RAISE EXCEPTION 'append_batch takes no blind appends (member %)', i USING ERRCODE = '22023';
    END IF;
    SELECT a.ok, a.revision, a.transaction_id, a.last_position INTO r
      FROM ${s}.append_to_stream(p_streams[i], p_expected[i], p_events -> (i - 1)) a;
    ord := i;
    ok := r.ok;
    revision := r.revision;
    transaction_id := r.transaction_id;
    last_position := r.last_position;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`,
  },
];
