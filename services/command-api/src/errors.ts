/**
 * The command API's own error codes (the platform's and the domain's are in
 * packages/platform/README.md). Passed to the platform's error handler as `statusByCode`.
 */
export const COMMAND_API_STATUS_BY_CODE: Record<string, number> = {
  /** Same Idempotency-Key, different request body (or endpoint). */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this Idempotency-Key is still running. */
  IDEMPOTENCY_KEY_IN_USE: 409,
  /** The event store's group-commit queue holds APPEND_QUEUE_MB already: PostgreSQL is behind. */
  APPEND_QUEUE_FULL: 503,
};
