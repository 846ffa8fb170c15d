/** The key every case uses: upper and lower case, a precomposed é, and both LIKE wildcards. */
export const KEY = 'Café_%k';

/** Strings a careless comparison takes for `KEY`. */
export const LOOK_ALIKES: readonly [string, string][] = [
  ['lower case', 'café_%k'],
  ['upper case', 'CAFÉ_%K'],
  ['a trailing space', 'Café_%k '],
  ['a leading space', ' Café_%k'],
  ['the decomposed é (NFD)', 'Cafe\u0301_%k'],
  ['what `_` and `%` match in LIKE', 'CaféX-yk'],
  ['what `%` matches in LIKE', 'Café_k'],
];
