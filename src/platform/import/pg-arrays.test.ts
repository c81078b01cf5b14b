import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { bareArray, quotedArray } from './pg-arrays.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 1 });
});
afterAll(async () => {
  await database.close();
});

/** What the database makes of a literal: the elements unnest gives back, in order. */
async function unnested(literal: string, type: 'text' | 'bigint' | 'boolean' | 'date'): Promise<unknown[]> {
  const result = await sql<{ value: unknown }>`select value::text from unnest(${literal}::${sql.raw(type)}[]) as value`.execute(
    database.db,
  );
  return result.rows.map((row) => row.value);
}

describe('PostgreSQL array literals', () => {
  it('writes bare values as they are, booleans as t/f and null as NULL', () => {
    expect(bareArray([1, 22, 333])).toBe('{1,22,333}');
    expect(bareArray([true, false, null])).toBe('{t,f,NULL}');
    expect(bareArray([])).toBe('{}');
  });

  it('quotes every text element, escaping only quotes and backslashes', () => {
    expect(quotedArray(['a', 'O"Brien', 'C:\\dir', null])).toBe('{"a","O\\"Brien","C:\\\\dir",NULL}');
  });

  it('gives back exactly the texts it was given, whatever they hold', async () => {
    const texts = [
      'plain',
      '',
      'NULL',
      'null',
      ' spaces around ',
      'comma, inside',
      '{braces}',
      'quote " and \\" escaped quote',
      'back\\slash\\',
      "apostrophe's",
      'line\nbreak\r\nand\ttab',
      'Айгерім Әбдірахманова 🎟',
    ];
    expect(await unnested(quotedArray(texts), 'text')).toEqual(texts);
    expect(await unnested(quotedArray(['a', null, 'NULL']), 'text')).toEqual(['a', null, 'NULL']);
  });

  it('reads bare numbers, booleans and dates as their types', async () => {
    expect(await unnested(bareArray([1, 9_007_199_254_740_991, null]), 'bigint')).toEqual(['1', '9007199254740991', null]);
    expect(await unnested(bareArray([true, false, null]), 'boolean')).toEqual(['true', 'false', null]);
    expect(await unnested(bareArray(['2024-02-29', null]), 'date')).toEqual(['2024-02-29', null]);
  });
});
