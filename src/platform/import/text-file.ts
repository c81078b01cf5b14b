import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/**
 * Writes a (large) text file through `body`, streaming: `write` gathers small pieces into writes
 * of about 64 KB and waits while the disk lags, so memory stays flat whatever the file's size. On
 * a failure the stream is destroyed and the error rethrown.
 */
export async function writeTextFile(
  path: string,
  body: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let gathered = '';
  const write = async (text: string): Promise<void> => {
    gathered += text;
    if (gathered.length <= 64_000) return;
    const chunk = gathered;
    gathered = '';
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    await body(write);
    out.end(gathered);
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
}
