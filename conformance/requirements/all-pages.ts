import type { Page } from '../../src/contract/types.js';
import { check } from '../expect.js';

/** Every page of a paged read, following nextCursor in `direction`. */
export async function allPages<T>(
  read: (cursor: string | undefined) => Promise<Page<T>>,
  what: string,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await read(cursor);
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    check(
      typeof page.nextCursor === 'string' && page.nextCursor.length > 0,
      `${what}: nextCursor must be a string or null`,
    );
    cursor = page.nextCursor;
  }
  throw new Error(`${what}: more than 1000 pages`);
}
