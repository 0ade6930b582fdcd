/**
 * Times are shown twice: in UTC (what logs and tickets quote) and in the browser's own zone.
 * @example
 * utc('2026-12-04T08:51:55.123Z')   // '2026-12-04 08:51:55.123 UTC'
 */
export function utc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

const localFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
  timeZoneName: 'short',
});

/** The same instant in the browser's time zone, with the zone's name. */
export function local(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return localFormat.format(date);
}

/** The browser's time zone, e.g. `Europe/Berlin`. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * The RFC 3339 instant of a `datetime-local` input's value, read in the browser's zone;
 * null for an empty or invalid value.
 */
export function fromLocalInput(value: string): string | null {
  if (value === '') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The last instant a `datetime-local` value names, read in the browser's zone: typed to the second,
 * that second's last millisecond; with milliseconds, itself. "As it was at 11:59:54" then includes
 * what happened during that second (events carry milliseconds). Browsers leave `:00` seconds and
 * `.000` milliseconds out of the value, so a value without milliseconds counts as typed to the
 * second, and `.000` as that whole second too. Null for an empty or invalid value.
 * @example
 * lastInstantOfLocalInput('2026-12-04T11:59:54') // the instant of 11:59:54.999 in the browser's zone
 */
export function lastInstantOfLocalInput(value: string): string | null {
  const start = fromLocalInput(value);
  if (start === null) return null;
  const unitMs = value.includes('.') ? 1 : 1000;
  return new Date(new Date(start).getTime() + unitMs - 1).toISOString();
}
