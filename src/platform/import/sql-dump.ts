import { splitLines } from './lines.ts';

/**
 * Reading the data sets' SQL dumps: `INSERT INTO table (columns) VALUES` followed by one or more
 * tuples per line (`(1, 'O''Brien', NULL, TRUE, …),` … `;`), as the HackLoad generator scripts
 * write them. Not a SQL parser: other statements (CREATE TABLE, BEGIN, COMMIT) and `--` comments
 * are passed over, and a line of tuples that does not parse is one unreadable row, so that one bad
 * line costs one row, not the import.
 */

/** One tuple's values in column order: the text of a string or bare token, null for NULL. */
export type TupleValues = (string | null)[];

/** A row as read from a data file: its values, or why the line could not be read. */
export type DumpRow = { line: number; values: TupleValues } | { line: number; problem: string };

export interface SqlDumpOptions {
  /**
   * Called for each INSERT line with its column names as written (see columnName); may throw to
   * refuse the file. Tuples before any INSERT follow the caller's default columns.
   */
  onColumns: (columns: string[], line: number) => void;
  /** The position of a column to scan but not keep (read after onColumns); -1 for none. */
  skipColumn?: () => number;
  /** What an unquoted value may be made of (a sticky regular expression); numbers and words by default. */
  bareToken?: RegExp;
}

const INSERT_PATTERN = /^\s*insert\s+into\s+[^(]+\(([^)]*)\)\s*values\s*(.*)$/is;

/** The rows of a dump, one array per chunk of text, with the line each tuple is on. */
export async function* sqlDumpRows(chunks: AsyncIterable<string>, options: SqlDumpOptions): AsyncGenerator<DumpRow[]> {
  let insideValues = false;
  let sawInsert = false;
  for await (const lines of splitLines(chunks)) {
    const rows: DumpRow[] = [];
    for (const [text, line] of lines) {
      let tuples = text;
      const insert = /^\s*insert\s/i.test(text) ? INSERT_PATTERN.exec(text) : null;
      if (insert) {
        const [, columns = '', rest = ''] = insert;
        options.onColumns(columns.split(','), line);
        sawInsert = true;
        insideValues = true;
        tuples = rest;
      } else if (!insideValues && (sawInsert || !/^\s*\(/.test(text))) {
        // Another statement or a comment; tuples with no INSERT before them at all are read.
        continue;
      }
      const trimmed = tuples.trim();
      if (trimmed === '' || trimmed.startsWith('--')) continue;
      if (trimmed === ';') {
        insideValues = false;
        continue;
      }
      const parsed = parseTuples(tuples, options.skipColumn?.() ?? -1, options.bareToken);
      if (parsed === undefined) {
        rows.push({ line, problem: 'not a list of value tuples' });
        if (/;\s*$/.test(tuples)) insideValues = false;
        continue;
      }
      for (const values of parsed.tuples) rows.push({ line, values });
      if (parsed.ended) insideValues = false;
    }
    if (rows.length > 0) yield rows;
  }
}

/** A column name as an INSERT or a CSV header writes it: trimmed, without double quotes, lower case. */
export function columnName(written: string): string {
  return written
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
}

const BARE_TOKEN = /[A-Za-z0-9_.+-]+/y;

/**
 * Parses `(v, …), (v, …)` up to the end of the line or a `;` (which must end it). Values: '…'
 * strings with '' for a quote (a backslash is an ordinary character, as in standard SQL), NULL
 * (null, in any case), and bare tokens (numbers, TRUE/FALSE) as their text. The value at position
 * `skip` is scanned but not kept (null), so a column the importer must not hold (plain passwords)
 * never becomes a string. Undefined when the text is not a list of tuples. A string cannot span
 * lines: the scripts write one tuple per line.
 */
export function parseTuples(
  text: string,
  skip = -1,
  bareToken: RegExp = BARE_TOKEN,
): { tuples: TupleValues[]; ended: boolean } | undefined {
  const tuples: TupleValues[] = [];
  let position = skipSpace(text, 0);
  while (position < text.length) {
    if (text.charCodeAt(position) !== 0x28 /* ( */) return undefined;
    position++;
    const values: TupleValues = [];
    for (;;) {
      position = skipSpace(text, position);
      const keep = values.length !== skip;
      if (text.charCodeAt(position) === 0x27 /* ' */) {
        let value = '';
        let from = position + 1;
        for (;;) {
          const quote = text.indexOf("'", from);
          if (quote < 0) return undefined;
          if (keep) value += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) === 0x27) {
            if (keep) value += "'";
            from = quote + 2;
          } else {
            position = quote + 1;
            break;
          }
        }
        values.push(keep ? value : null);
      } else {
        bareToken.lastIndex = position;
        const match = bareToken.exec(text);
        if (!match) return undefined;
        position += match[0].length;
        values.push(!keep || match[0].toUpperCase() === 'NULL' ? null : match[0]);
      }
      position = skipSpace(text, position);
      const separator = text.charCodeAt(position);
      position++;
      if (separator === 0x2c /* , */) continue;
      if (separator === 0x29 /* ) */) break;
      return undefined;
    }
    tuples.push(values);
    position = skipSpace(text, position);
    const after = text.charCodeAt(position);
    if (after === 0x2c /* , */) {
      position = skipSpace(text, position + 1);
    } else if (after === 0x3b /* ; */) {
      return skipSpace(text, position + 1) === text.length ? { tuples, ended: true } : undefined;
    } else if (position < text.length) {
      return undefined;
    }
  }
  return { tuples, ended: false };
}

function skipSpace(text: string, from: number): number {
  let position = from;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0d && code !== 0x0a) break;
    position++;
  }
  return position;
}
