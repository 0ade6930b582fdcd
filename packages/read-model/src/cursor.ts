/**
 * A page cursor on the wire: its parts (each list chooses them, and checks them when a client sends
 * the cursor back) as a JSON array in base64url.
 * @example unpackCursor(packCursor(['o', 42])) // ['o', 42]
 */
export function packCursor(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** A cursor's parts, or null when the text is not a packed array. */
export function unpackCursor(text: string): unknown[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return Array.isArray(parts) ? parts : null;
  } catch {
    return null;
  }
}
