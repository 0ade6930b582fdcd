/** How many of a stream's newest events are searched for a re-sent `any` / `stream_exists` append. */
export const IDEMPOTENCY_WINDOW = 100;
