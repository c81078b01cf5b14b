/** Reading a data file's text: chunks without the byte-order mark, and lines. */

/** The stream's text chunk by chunk, without a leading byte-order mark (editors on Windows add one). */
export async function* textChunks(stream: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let first = true;
  for await (const piece of stream) {
    let chunk = typeof piece === 'string' ? piece : piece.toString('utf8');
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    yield chunk;
  }
}

/**
 * Lines of the text with their 1-based numbers, one array per chunk (not one yield per line: a
 * million lines would mean a million promises); `\r\n` or `\n`. A line split across chunks comes
 * whole with the later chunk.
 */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<[string, number][]> {
  let rest = '';
  let line = 0;
  for await (const chunk of chunks) {
    const lines: [string, number][] = [];
    let start = 0;
    let end = chunk.indexOf('\n');
    while (end >= 0) {
      const text = rest + chunk.slice(start, end);
      rest = '';
      lines.push([text.endsWith('\r') ? text.slice(0, -1) : text, ++line]);
      start = end + 1;
      end = chunk.indexOf('\n', start);
    }
    rest += chunk.slice(start);
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [[rest.endsWith('\r') ? rest.slice(0, -1) : rest, line + 1]];
}
