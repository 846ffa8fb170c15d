/**
 * The default clock of every adapter: Unix seconds, an integer, as nocodo writes its
 * timestamps. (Milliseconds would read as the year 58879 in nocodo, and sort every kit row
 * after nocodo's.)
 */
export const unixSeconds = (): number => Math.floor(Date.now() / 1000);
