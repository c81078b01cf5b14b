/**
 * The start-up check that every input a route takes is bounded: the server refuses to register a
 * route whose params, querystring, headers or body schema has
 *
 * - an integer or number without a `minimum` and a `maximum` inside ±(2^53 − 1): unbounded,
 *   1e19 reaches PostgreSQL's bigint (a 500) and 2^53 is no longer exact in JavaScript;
 * - a string without a `maxLength` (an enum or a constant is bounded already): a 1 MB string
 *   reaches a btree index, which refuses rows over ~2.7 kB (a 500);
 * - an array without a `maxItems`.
 *
 * A schema with no type at all (`Type.Unknown()`, e.g. a gateway's free-form `DATA`) is left to
 * the body limit and to input-guard.ts.
 */

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  maxItems?: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Every place in `schema` that lacks a bound, as "body/zones/price: an integer with no maximum". */
export function unboundedInputs(schema: unknown, path: string): string[] {
  const found: string[] = [];
  visit(schema as Schema, path, found);
  return found;
}

function visit(schema: Schema | boolean | undefined, path: string, found: string[]): void {
  if (typeof schema !== 'object') return;
  for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) visit(variant, path, found);
  if (schema.enum !== undefined || schema.const !== undefined) return;
  const types = [schema.type ?? []].flat();
  if (types.includes('integer') || types.includes('number')) {
    const low = schema.minimum ?? schema.exclusiveMinimum;
    const high = schema.maximum ?? schema.exclusiveMaximum;
    if (low === undefined || low < -SAFE) found.push(`${path}: a number with no minimum within ±(2^53 − 1)`);
    if (high === undefined || high > SAFE) found.push(`${path}: a number with no maximum within ±(2^53 − 1)`);
  }
  if (types.includes('string') && schema.maxLength === undefined) found.push(`${path}: a string with no maxLength`);
  if (types.includes('array')) {
    if (schema.maxItems === undefined) found.push(`${path}: an array with no maxItems`);
    for (const item of [schema.items ?? []].flat()) visit(item, `${path}/items`, found);
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) visit(property, `${path}/${name}`, found);
  for (const property of Object.values(schema.patternProperties ?? {})) visit(property, `${path}/*`, found);
  if (typeof schema.additionalProperties === 'object') visit(schema.additionalProperties, `${path}/*`, found);
}
