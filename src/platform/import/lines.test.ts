import { describe, expect, it } from 'vitest';
import { splitLines, textChunks } from './lines.ts';

async function* from(chunks: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const chunk of chunks) yield chunk;
}

async function all<T>(items: AsyncIterable<T[]>): Promise<T[]> {
  const collected: T[] = [];
  for await (const group of items) collected.push(...group);
  return collected;
}

describe('reading lines of a data file', () => {
  it('drops a byte-order mark at the start only', async () => {
    const chunks: string[] = [];
    for await (const chunk of textChunks(from(['\ufeffid,name\n', '\ufeffkept']))) chunks.push(chunk);
    expect(chunks).toEqual(['id,name\n', '\ufeffkept']);
  });

  it('numbers lines split across chunks, with \\r\\n or \\n, and a last line without a line end', async () => {
    const lines = await all(splitLines(textChunks(from(['\ufefffir', 'st\r', '\nsecond\n\nfou', 'rth\r\nlast']))));
    expect(lines).toEqual([
      ['first', 1],
      ['second', 2],
      ['', 3],
      ['fourth', 4],
      ['last', 5],
    ]);
  });
});
