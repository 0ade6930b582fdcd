/**
 * A position token's syntax: two 64-bit integers in hex (the event store's `Position`). Its own
 * module with no imports, so the event store's port takes it without the rest of this package.
 */
export const POSITION_PATTERN = '^[0-9a-f]{16}-[0-9a-f]{16}$';
