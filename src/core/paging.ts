import type { Page } from '../contract/types.js';
import { type CursorScope, encodeCursor } from '../contract/validation.js';

/**
 * Turns the `limit + 1` rows a keyset query fetched into a page: the extra row only says
 * that more exist. Backward reads arrive newest first and are returned ascending.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  direction: 'forward' | 'backward',
  scope: CursorScope,
  position: (item: T) => { key: number; id: string },
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  if (direction === 'backward') items.reverse();
  const edge = direction === 'forward' ? items[items.length - 1] : items[0];
  return { items, nextCursor: more && edge !== undefined ? encodeCursor(scope, position(edge)) : null };
}
