import { Type } from 'typebox';
import { MAX_PRICE } from '../money.ts';

/**
 * A row id in a path, query or body: a positive int64 that a JSON number carries exactly. Without
 * the maximum, 1e19 passes validation and fails in the database's bigint cast (a 500 instead of a
 * 400), and one such id would fail every seat select grouped with it.
 */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/**
 * The price of one item in minor units, bounded so that every total and revenue stays exact
 * (see platform/money.ts).
 */
export const Amount = Type.Integer({
  minimum: 0,
  maximum: MAX_PRICE,
  description: `Minor units (e.g. tiyn): 4000000 is 40,000.00 KZT. At most ${MAX_PRICE} (10,000,000.00).`,
});

/** The last page a list may be asked for: page × pageSize stays far inside bigint (and exact). */
export const MAX_PAGE = 1_000_000;

/** A 1-based page number of a paged list. */
export const Page = Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 });
