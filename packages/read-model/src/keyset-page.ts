/** A page read by keyset, newest first, and which neighbouring pages exist. */
export interface KeysetPage<Row> {
  rows: Row[];
  /** Rows older than the page's last one match (a `next` page exists). */
  has_older: boolean;
  /** Rows newer than the page's first one match (a `previous` page exists). */
  has_newer: boolean;
}

/**
 * The page out of the rows a keyset query read: one row beyond the page size, in the direction read
 * (descending from the start or after an `older` cursor, ascending after a `newer` one). Coming from
 * a cursor means a page exists on the side it came from.
 * @example
 * keysetPage(rowsRead, 20, 'newer') // { rows: newest first, has_older: true, has_newer: rowsRead.length > 20 }
 */
export function keysetPage<Row>(
  read: readonly Row[],
  pageSize: number,
  cursor: 'older' | 'newer' | undefined,
): KeysetPage<Row> {
  const beyond = read.length > pageSize;
  const rows = read.slice(0, pageSize);
  if (cursor === 'newer') {
    rows.reverse();
    return { rows, has_older: true, has_newer: beyond };
  }
  return { rows, has_older: beyond, has_newer: cursor !== undefined };
}
