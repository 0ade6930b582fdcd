const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID of any version, in either case: the form of every id (records, events,
 * requests); ids from outside may be of any version, so none is checked. Its own module with no
 * imports, so the support console's browser bundle can take it without the rest of this package.
 * @example
 * isUuid('6F1C0E1A-0000-4000-8000-0000000000FF') // true
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
