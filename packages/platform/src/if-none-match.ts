/**
 * RFC 9110 If-None-Match: weak comparison, `*` matches any current representation.
 * @example
 * if (noneMatch(request.headers['if-none-match'], '"3"')) return reply.code(304).send();
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === etag);
}
