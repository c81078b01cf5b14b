/**
 * PostgreSQL array literals for `unnest(${literal}::type[])`, built here rather than by
 * node-postgres's generic conversion of a JavaScript array (which takes twice as long on the
 * importers' million-row batches).
 */

/**
 * For values that need no quoting: integers, booleans, and validated words, hex digests, dates or
 * timestamps, none of which can read as NULL or hold `,`, `"`, `\`, braces or white space.
 */
export function bareArray(values: readonly (string | number | boolean | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : value === true ? 't' : value === false ? 'f' : String(value))).join(',')}}`;
}

/** Any text: each element double-quoted, with `\` and `"` escaped by a backslash. */
export function quotedArray(values: readonly (string | null)[]): string {
  return `{${values.map((value) => (value === null ? 'NULL' : `"${ESCAPED_IN_ARRAY.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`)).join(',')}}`;
}

const ESCAPED_IN_ARRAY = /["\\]/;
