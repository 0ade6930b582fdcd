/**
 * Base path of both APIs and of every client of them. Its own module with no imports, so the
 * support console's browser bundle can take it without the rest of this package.
 */
export const API_PREFIX = '/api/v1/publisher';
