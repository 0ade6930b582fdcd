import { isUuid, MAX_PLATFORM_ID } from '@publisher/contracts';
import { UsageError } from './command.ts';

/** A `--flag <time>` value: an RFC 3339 time, refused as bad usage otherwise. */
export function timeOption(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`${flag} must be an RFC 3339 time, e.g. 2024-05-01T14:03:00Z`);
  }
  return value;
}

/** A `--flag <n>` value: an integer from `min`, refused as bad usage otherwise. */
export function integerOption(value: unknown, flag: string, min: number, max = MAX_PLATFORM_ID): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** A `--flag <record id>` value: a UUID, refused as bad usage otherwise. */
export function recordIdOption(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isUuid(value)) throw new UsageError(`${flag} must be a record id (a UUID)`);
  return value;
}

/**
 * The one positional a command needs (a record id), or bad usage: a malformed id is the caller's
 * slip, told as such (exit 2) before any request, like a malformed time.
 */
export function recordIdArgument(positionals: readonly string[], required = 'a record id is required'): string {
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError(required);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!isUuid(id)) throw new UsageError(`${id} is not a record id (a UUID)`);
  return id;
}

/** A value as a person reads it: strings as they are, the rest as JSON. */
export const show = (value: unknown): string =>
  // One line whatever the value holds: a line break in a field (an error message is anyone's text)
  // would print a line that reads as an entry of its own.
  (typeof value === 'string' ? value : JSON.stringify(value)).replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');
