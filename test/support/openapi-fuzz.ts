/**
 * Malformed requests derived from an OpenAPI document, for the API fuzz test (test/api-fuzz.test.ts).
 * Everything is generated from the document, so a new route is covered the day it is registered.
 *
 * For each operation: a valid-looking base request (path and required fields filled from fixtures
 * or from the schema), then one case per (place, malformed value): each path parameter, each query
 * parameter, each body field down to nested objects and arrays, and the body as a whole (invalid
 * JSON, wrong content types, deep nesting…). A seeded PRNG picks which fixture fills each path
 * parameter and adds a few cases that break several fields at once, so a run is reproducible from
 * its seed.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
  /** Statuses (or 'default') the operation documents with a body that is not a problem. */
  ownErrorStatuses: Set<string>;
}

export interface FuzzCase {
  /** What is broken, for the failure list: "query page = 1e19". */
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Values the fixtures provide, by the name of a parameter or field (or the path segment before it). */
export interface Fixtures {
  /** Candidates per name; the PRNG picks one per case. */
  ids: Record<string, (number | string)[]>;
}

/** mulberry32: a small, fast, seedable PRNG; the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(document: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const content = (operation.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content;
      const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
      const ownErrorStatuses = new Set(
        Object.entries(responses)
          .filter(
            ([status, response]) => !/^[23]/.test(status) && response.content?.['application/json']?.schema?.$ref === undefined,
          )
          .map(([status]) => status),
      );
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []) as Parameter[],
        body: content?.['application/json']?.schema,
        ownErrorStatuses,
      });
    }
  }
  return operations;
}

const MB_STRING = 'x'.repeat(1_000_000);
const DEEP = 5_000;

/**
 * Malformed values for a parameter in the URL, percent-encoded as sent: non-finite and huge
 * numbers, negative and zero ids, fractions, NUL, invalid UTF-8 (a lone surrogate's bytes), broken
 * percent-encoding, and strings past every length limit.
 */
const URL_VALUES: string[] = [
  'Infinity',
  '-Infinity',
  '+Infinity',
  'NaN',
  '1e19',
  '1e308',
  '9007199254740992',
  '-1',
  '0',
  '1.5',
  '0x10',
  'abc',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%F0%9F%98',
  '%',
  '%E0%A4%A',
  '%F0%9F%98%80',
  '%20',
  'x'.repeat(101),
];
const QUERY_ONLY_VALUES: string[] = ['', 'x'.repeat(20_000)];

/**
 * Raw JSON texts for a body field, by the field's type (every field also gets ANY_VALUES): the
 * number literals JSON.parse turns into Infinity, the strings Ajv coerces to numbers, integers at
 * and past 2^53, escapes of NUL and lone surrogates, strings as long as the schema allows.
 */
const NUMBER_VALUES: string[] = [
  '1e400',
  '-1e400',
  '"Infinity"',
  '"-Infinity"',
  '"NaN"',
  '1e19',
  '-1e19',
  '1e308',
  '9007199254740992',
  '9007199254740991',
  '4503599627370496',
  '-1',
  '0',
  '1.5',
  '"1"',
  '""',
];
const STRING_VALUES: string[] = ['""', '"Infinity"', '1e19', '" "', JSON.stringify(MB_STRING), JSON.stringify('я'.repeat(3000))];
const BOOLEAN_VALUES: string[] = ['"true"', '1', '0', '"false"'];
const NESTED_VALUES: string[] = ['[1,2]', '['.repeat(DEEP) + ']'.repeat(DEEP), '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)];
const ANY_VALUES: string[] = [
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800x"',
  '"\\udc00"',
  'true',
  'null',
  '[]',
  '{}',
  '["\\u0000"]',
  '{"a":"\\ud800"}',
];

/** The malformed values for a field of this schema; a string as long as its maxLength allows is one of them. */
function valuesFor(schema: JsonSchema): string[] {
  const resolved = resolveSchema(schema);
  const types = [resolved.type ?? []].flat();
  const values = [...ANY_VALUES];
  if (types.includes('integer') || types.includes('number')) values.push(...NUMBER_VALUES);
  if (types.includes('string')) {
    values.push(...STRING_VALUES);
    // Multi-byte at the limit: a btree index refuses rows over ~2.7 kB, a limit counted in characters can pass it.
    if (resolved.maxLength !== undefined) values.push(JSON.stringify('я'.repeat(resolved.maxLength)));
    if (resolved.format === 'date-time' || resolved.format === 'date') values.push(...DATE_VALUES);
  }
  if (types.includes('boolean')) values.push(...BOOLEAN_VALUES);
  if (types.includes('object') || types.includes('array')) values.push(...NESTED_VALUES);
  if (types.length === 0) values.push(...NUMBER_VALUES, ...STRING_VALUES, ...BOOLEAN_VALUES, ...NESTED_VALUES);
  return values;
}

/**
 * Dates the format's grammar accepts but the calendar does not (a leap second, 30 February, hour 24),
 * and the ends of what JavaScript and PostgreSQL can hold.
 */
const DATE_VALUES: string[] = [
  '"2026-12-31T23:59:60Z"',
  '"2027-02-30T10:00:00Z"',
  '"2027-02-30"',
  '"2027-01-01T24:00:00Z"',
  '"0000-01-01T00:00:00Z"',
  '"9999-12-31T23:59:59.999999999+14:00"',
  '"275760-09-13T00:00:00Z"',
];

/** Whole bodies: invalid JSON, the wrong shape, prototype poisoning, deep nesting. */
const WHOLE_BODIES: { label: string; contentType: string; payload: string }[] = [
  { label: 'invalid JSON', contentType: 'application/json', payload: '{"a":' },
  { label: 'empty JSON', contentType: 'application/json', payload: '' },
  { label: 'JSON null', contentType: 'application/json', payload: 'null' },
  { label: 'JSON array', contentType: 'application/json', payload: '[]' },
  { label: 'JSON string', contentType: 'application/json', payload: '"x"' },
  { label: 'JSON 1e400', contentType: 'application/json', payload: '1e400' },
  { label: 'lone surrogate bytes', contentType: 'application/json', payload: '{"a":"\xed\xa0\x80"}' },
  { label: '__proto__', contentType: 'application/json', payload: '{"__proto__":{"admin":true}}' },
  { label: 'constructor.prototype', contentType: 'application/json', payload: '{"constructor":{"prototype":{"admin":true}}}' },
  { label: 'deep nesting', contentType: 'application/json', payload: '['.repeat(100_000) + ']'.repeat(100_000) },
  { label: 'text/plain', contentType: 'text/plain', payload: 'hello' },
  { label: 'form', contentType: 'application/x-www-form-urlencoded', payload: 'a=1&b=%00' },
  { label: 'multipart', contentType: 'multipart/form-data; boundary=x', payload: '--x\r\n\r\n--x--' },
  { label: 'xml', contentType: 'application/xml', payload: '<a/>' },
  { label: 'bad charset', contentType: 'application/json; charset=utf-7', payload: '{}' },
];

const HEADER_VALUES: string[] = ['', 'x'.repeat(300), 'x'.repeat(10_000), 'Infinity', '\u00e9'];

/** Strings that might match a schema's pattern, tried in order. */
const PATTERN_CANDIDATES = [
  'KZT',
  '+77011234567',
  '@fuzz_user',
  '#1f6feb',
  'event:1',
  'https://example.test/',
  'fuzz',
  'fuzz-slug',
];

function resolveSchema(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return resolveSchema(variants.find((variant) => variant.type !== 'null') ?? variants[0] ?? {});
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map(resolveSchema)) as JsonSchema;
  return schema;
}

export class CaseBuilder {
  private counter = 0;
  private readonly random: () => number;
  private readonly fixtures: Fixtures;

  constructor(fixtures: Fixtures, seed: number) {
    this.fixtures = fixtures;
    this.random = seededRandom(seed);
  }

  private pick<T>(values: T[]): T {
    return values[Math.floor(this.random() * values.length)] as T;
  }

  private fixtureFor(name: string, context?: string): number | string | undefined {
    const candidates = this.fixtures.ids[name] ?? (context ? this.fixtures.ids[`${context}/${name}`] : undefined);
    return candidates && candidates.length > 0 ? this.pick(candidates) : undefined;
  }

  /** A value the schema accepts, preferring fixtures for known names. */
  validValue(schema: JsonSchema, name: string, context?: string): unknown {
    const resolved = resolveSchema(schema);
    const fixture = this.fixtureFor(name, context);
    if (fixture !== undefined && (resolved.type === 'integer' || resolved.type === 'string')) return fixture;
    if (resolved.const !== undefined) return resolved.const;
    if (resolved.enum) return resolved.enum[0];
    if (resolved.default !== undefined) return resolved.default;
    switch (resolved.type) {
      case 'integer':
      case 'number':
        return Math.min(Math.max(1, resolved.minimum ?? 1), resolved.maximum ?? Number.MAX_SAFE_INTEGER);
      case 'boolean':
        return false;
      case 'string':
        return this.validString(resolved, name);
      case 'array':
        return Array.from({ length: resolved.minItems ?? 0 }, () => this.validValue(resolved.items ?? {}, name, context));
      case 'object':
        return this.validObject(resolved, context);
      default:
        return 'x';
    }
  }

  private validString(schema: JsonSchema, name: string): string {
    this.counter += 1;
    if (schema.format === 'email' || name === 'email') return `fuzz-${this.counter}@example.test`;
    if (schema.format === 'date-time') return new Date(Date.now() + 40 * 86_400_000).toISOString();
    if (schema.format === 'date') return '2031-01-01';
    if (schema.format === 'uri') return 'https://example.test/';
    const fits = (value: string) =>
      value.length >= (schema.minLength ?? 0) &&
      value.length <= (schema.maxLength ?? Infinity) &&
      (!schema.pattern || new RegExp(schema.pattern, 'u').test(value));
    const candidate = [`fuzz-${this.counter}`, ...PATTERN_CANDIDATES].find(fits);
    return candidate ?? 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }

  private validObject(schema: JsonSchema, context?: string): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (const name of schema.required ?? []) {
      object[name] = this.validValue(schema.properties?.[name] ?? {}, name, context);
    }
    return object;
  }

  /** Every case for one operation, as one caller (headers carry the credentials, if any). */
  casesFor(operation: Operation, auth: Record<string, string>): FuzzCase[] {
    const cases: FuzzCase[] = [];
    const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
    const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
    const headerParameters = operation.parameters.filter((parameter) => parameter.in === 'header');
    const context = (name: string) => {
      const segments = operation.path.split('/');
      const index = segments.indexOf(`{${name}}`);
      return index > 0 ? segments[index - 1] : undefined;
    };
    const baseUrl = (override?: { name: string; raw: string }) => {
      let url = operation.path;
      for (const parameter of pathParameters) {
        const raw =
          override?.name === parameter.name
            ? override.raw
            : encodeURIComponent(String(this.validValue(parameter.schema, parameter.name, context(parameter.name))));
        url = url.replace(`{${parameter.name}}`, raw);
      }
      return url;
    };
    const baseQuery = () => {
      const query: Record<string, string> = {};
      for (const parameter of queryParameters) {
        if (parameter.required && parameter.schema.default === undefined) {
          query[parameter.name] = String(this.validValue(parameter.schema, parameter.name));
        }
      }
      return query;
    };
    const queryString = (query: Record<string, string>, raw?: string) => {
      const parts = Object.entries(query).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
      if (raw !== undefined) parts.push(raw);
      return parts.length > 0 ? `?${parts.join('&')}` : '';
    };
    const hasBody = operation.body !== undefined;
    const baseBody = () => (hasBody ? (this.validValue(operation.body ?? {}, 'body') as Record<string, unknown>) : undefined);
    const json = { 'content-type': 'application/json' };
    const make = (label: string, url: string, payload?: string, headers: Record<string, string> = {}): FuzzCase => ({
      label,
      method: operation.method,
      url,
      headers: { ...auth, ...(payload !== undefined ? json : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
    const bodyText = () => (hasBody ? JSON.stringify(baseBody()) : undefined);

    // The base request itself: it must not fail either.
    cases.push(make('base request', baseUrl() + queryString(baseQuery()), bodyText()));

    for (const parameter of pathParameters) {
      for (const raw of URL_VALUES) {
        cases.push(make(`path ${parameter.name} = ${raw.slice(0, 40)}`, baseUrl({ name: parameter.name, raw }), bodyText()));
      }
    }
    for (const parameter of queryParameters) {
      for (const raw of [...URL_VALUES, ...QUERY_ONLY_VALUES]) {
        const query = Object.fromEntries(Object.entries(baseQuery()).filter(([name]) => name !== parameter.name));
        const url = baseUrl() + queryString(query, `${encodeURIComponent(parameter.name)}=${raw}`);
        cases.push(make(`query ${parameter.name} = ${raw.slice(0, 40)}`, url, bodyText()));
      }
      const query = baseQuery();
      cases.push(
        make(
          `query ${parameter.name} twice`,
          baseUrl() + queryString(query, `${parameter.name}=1&${parameter.name}=2`),
          bodyText(),
        ),
      );
    }
    for (const parameter of headerParameters) {
      for (const value of HEADER_VALUES) {
        cases.push(
          make(`header ${parameter.name} = ${value.slice(0, 20)}`, baseUrl() + queryString(baseQuery()), bodyText(), {
            [parameter.name]: value,
          }),
        );
      }
    }
    if (hasBody) {
      const url = baseUrl() + queryString(baseQuery());
      const schema = operation.body ?? {};
      const fields = this.fieldPaths(schema, [], 0);
      for (const path of fields) {
        for (const raw of valuesFor(this.schemaAt(schema, path))) {
          cases.push(make(`body ${path.join('.')} = ${raw.slice(0, 40)}`, url, this.bodyWith(schema, baseBody(), [[path, raw]])));
        }
      }
      cases.push(make('body with an unknown field', url, JSON.stringify({ ...baseBody(), unexpected_field: 1 })));
      cases.push(make('body without required fields', url, '{}'));
      const [first] = fields;
      if (first) {
        for (const raw of NESTED_VALUES)
          cases.push(
            make(`body ${first.join('.')} = ${raw.slice(0, 40)}`, url, this.bodyWith(schema, baseBody(), [[first, raw]])),
          );
      }
      for (const whole of WHOLE_BODIES) {
        cases.push(make(`body ${whole.label}`, url, whole.payload, { 'content-type': whole.contentType }));
      }
      // A few seeded combinations: several fields broken at once.
      for (let round = 0; round < 3 && fields.length > 1; round += 1) {
        const broken = fields
          .filter(() => this.random() < 0.5)
          .map((path): [string[], string] => [path, this.pick([...NUMBER_VALUES, ...ANY_VALUES.slice(0, 4)])]);
        const label = broken.map(([path, raw]) => `${path.join('.')} = ${raw}`).join(', ');
        cases.push(make(`body with ${label}`, url, this.bodyWith(schema, baseBody(), broken)));
      }
    } else if (operation.method !== 'GET' && operation.method !== 'DELETE') {
      const url = baseUrl() + queryString(baseQuery());
      cases.push(make('unexpected JSON body', url, '{"a":1}'));
      cases.push(make('unexpected invalid JSON body', url, '{"a":'));
    }
    return cases;
  }

  /**
   * The places a body value can be broken: every property, and inside objects, records and arrays
   * (the first element) down to a few levels.
   */
  private fieldPaths(schema: JsonSchema, path: string[], depth: number): string[][] {
    const resolved = resolveSchema(schema);
    const fields: string[][] = [];
    if (depth > 3) return fields;
    if (resolved.type === 'object' || resolved.properties) {
      for (const [name, property] of Object.entries(resolved.properties ?? {})) {
        fields.push([...path, name]);
        fields.push(...this.fieldPaths(property, [...path, name], depth + 1));
      }
      if (resolved.additionalProperties !== false) fields.push([...path, 'some_key']);
    } else if (resolved.type === 'array' && resolved.items) {
      fields.push([...path, '0']);
      fields.push(...this.fieldPaths(resolved.items, [...path, '0'], depth + 1));
    }
    return fields;
  }

  /** The schema of the value at `path` in a body. */
  private schemaAt(schema: JsonSchema, path: string[]): JsonSchema {
    let at = schema;
    for (const key of path) {
      const resolved = resolveSchema(at);
      at =
        resolved.properties?.[key] ??
        resolved.items ??
        (typeof resolved.additionalProperties === 'object' ? resolved.additionalProperties : {});
    }
    return at;
  }

  /**
   * The body with the value at each path replaced by a raw JSON text (kept raw: 1e400 must reach
   * the server as 1e400). Objects and arrays on the way are filled with valid values first.
   */
  private bodyWith(schema: JsonSchema, body: unknown, replacements: [string[], string][]): string {
    const copy = structuredClone(body ?? {}) as Record<string, unknown>;
    const markers = new Map<string, string>();
    for (const [path, raw] of replacements) {
      let target: Record<string, unknown> = copy;
      let at: JsonSchema = schema;
      for (const key of path.slice(0, -1)) {
        const resolved = resolveSchema(at);
        at =
          resolved.properties?.[key] ??
          resolved.items ??
          (typeof resolved.additionalProperties === 'object' ? resolved.additionalProperties : {});
        const next = target[key];
        if (typeof next !== 'object' || next === null) target[key] = this.validValue(at, key);
        if (Array.isArray(target[key]) && (target[key] as unknown[]).length === 0) {
          (target[key] as unknown[]).push(this.validValue(resolveSchema(at).items ?? {}, key));
        }
        target = target[key] as Record<string, unknown>;
      }
      const marker = `__fuzz_marker_${markers.size}__`;
      markers.set(marker, raw);
      target[path.at(-1) ?? 'x'] = marker;
    }
    let text = JSON.stringify(copy);
    for (const [marker, raw] of markers) text = text.replace(`"${marker}"`, raw);
    return text;
  }
}
