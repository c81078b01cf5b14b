import { Type } from 'typebox';

/**
 * A row id in a path, query or body: a positive int64 that a JSON number carries exactly. Without
 * the maximum, 1e19 passes validation and fails in the database's bigint cast (a 500 instead of a
 * 400), and one such id would fail every seat select grouped with it.
 */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
