import { describe, expect, it } from 'vitest';
import { parseTuples, sqlDumpRows, type DumpRow, type SqlDumpOptions } from './sql-dump.ts';

async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
}

/** Every row of a dump read in chunks of `size` characters, and the column lists the INSERTs gave. */
async function read(
  text: string,
  size = 7,
  options: Partial<SqlDumpOptions> = {},
): Promise<{ rows: DumpRow[]; inserts: [string[], number][] }> {
  const rows: DumpRow[] = [];
  const inserts: [string[], number][] = [];
  const dump = sqlDumpRows(chunksOf(text, size), {
    onColumns: (columns, line) => inserts.push([columns, line]),
    ...options,
  });
  for await (const chunk of dump) rows.push(...chunk);
  return { rows, inserts };
}

describe('parsing SQL value tuples', () => {
  it("reads strings with '' for a quote, keeping commas, parentheses and semicolons inside them", () => {
    expect(parseTuples("(1, 'O''Brien', 'a, (b); c', '''', '')")).toEqual({
      tuples: [['1', "O'Brien", 'a, (b); c', "'", '']],
      ended: false,
    });
  });

  it('takes a backslash as an ordinary character, as standard SQL strings do', () => {
    expect(parseTuples("('C:\\dir\\', 'a\\nb')")?.tuples).toEqual([['C:\\dir\\', 'a\\nb']]);
  });

  it("reads NULL in any case as null, but 'NULL' in quotes as the text", () => {
    expect(parseTuples("(NULL, null, 'NULL', TRUE, -1.5e3)")?.tuples).toEqual([[null, null, 'NULL', 'TRUE', '-1.5e3']]);
  });

  it('reads several tuples on a line, with or without the closing semicolon', () => {
    expect(parseTuples("(1, 'a'), (2, 'b'),")).toEqual({
      tuples: [
        ['1', 'a'],
        ['2', 'b'],
      ],
      ended: false,
    });
    expect(parseTuples("  (1, 'a') ,(2,'b') ;  ")).toEqual({
      tuples: [
        ['1', 'a'],
        ['2', 'b'],
      ],
      ended: true,
    });
  });

  it('scans the skipped column without keeping it', () => {
    expect(parseTuples("(1, 'secret '' pass', 'kept'), (2, NULL, 'x')", 1)?.tuples).toEqual([
      ['1', null, 'kept'],
      ['2', null, 'x'],
    ]);
  });

  it('refuses what is not a list of tuples: an unterminated string, a missing comma, text after the semicolon', () => {
    expect(parseTuples("(1, 'unterminated)")).toBeUndefined();
    expect(parseTuples("(1 'a')")).toBeUndefined();
    expect(parseTuples("(1, 'a'); select 1")).toBeUndefined();
    expect(parseTuples('(1, now())')).toBeUndefined();
    expect(parseTuples('1, 2')).toBeUndefined();
  });

  it('takes a wider unquoted token when asked (times with colons)', () => {
    expect(parseTuples('(2024-12-25T19:30:00)')).toBeUndefined();
    expect(parseTuples('(2024-12-25T19:30:00)', -1, /[A-Za-z0-9_.:+-]+/y)?.tuples).toEqual([['2024-12-25T19:30:00']]);
  });
});

describe('reading a SQL dump', () => {
  const dump = [
    '-- Generated',
    'CREATE TABLE t (id INTEGER, name TEXT);',
    'BEGIN TRANSACTION;',
    'INSERT INTO t (id, "Name") VALUES',
    "(1, 'one'),",
    '',
    '-- a comment between tuples',
    "(2, 'two; still text'),",
    "(3, 'three')",
    ';',
    "(4, 'after the statement');",
    "insert into t (id, name) values (5, 'five'), (6, 'six');",
    'COMMIT;',
  ].join('\r\n');

  it('reads the tuples of multi-line INSERTs with their line numbers, passing over other statements and comments', async () => {
    const { rows, inserts } = await read(dump);
    expect(inserts).toEqual([
      [['id', ' "Name"'], 4],
      [['id', ' name'], 12],
    ]);
    expect(rows).toEqual([
      { line: 5, values: ['1', 'one'] },
      { line: 8, values: ['2', 'two; still text'] },
      { line: 9, values: ['3', 'three'] },
      { line: 12, values: ['5', 'five'] },
      { line: 12, values: ['6', 'six'] },
    ]);
  });

  it('reads the same rows whatever the chunk size', async () => {
    const whole = await read(dump, dump.length);
    for (const size of [1, 2, 3, 64]) expect(await read(dump, size)).toEqual(whole);
  });

  it('reads tuples that come without any INSERT (the caller knows the columns)', async () => {
    const { rows, inserts } = await read("(1, 'a'),\n(2, 'b');\n");
    expect(inserts).toEqual([]);
    expect(rows.map((row) => ('values' in row ? row.values : row.problem))).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('makes a line that does not parse one unreadable row and goes on (a string cannot span lines)', async () => {
    const { rows } = await read("INSERT INTO t (id, name) VALUES\n(1, 'a'),\n(2, 'broken\nacross lines'),\n(3, 'c');\n");
    expect(rows).toEqual([
      { line: 2, values: ['1', 'a'] },
      { line: 3, problem: 'not a list of value tuples' },
      { line: 4, problem: 'not a list of value tuples' },
      { line: 5, values: ['3', 'c'] },
    ]);
  });

  it('scans the column the caller skips, as the latest INSERT places it', async () => {
    let skip = -1;
    const { rows } = await read("INSERT INTO t (id, secret, name) VALUES\n(1, 'hidden', 'a');\n", 5, {
      onColumns: (columns) => {
        skip = columns.findIndex((column) => column.trim() === 'secret');
      },
      skipColumn: () => skip,
    });
    expect(rows).toEqual([{ line: 2, values: ['1', null, 'a'] }]);
  });
});
