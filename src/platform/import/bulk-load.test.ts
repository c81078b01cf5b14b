import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkLoad, notInserted, type ImportOptions } from './bulk-load.ts';
import { splitLines } from './lines.ts';

let directory: string;
let file: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sbor-bulk-load-'));
  file = join(directory, 'numbers.txt');
  // 1..100, one a line, with "bad" on lines 10 and 20.
  await writeFile(file, Array.from({ length: 100 }, (_, index) => (index === 9 || index === 19 ? 'bad' : index + 1)).join('\n'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Numbers {
  ids: number[];
}

/** A load of the numbers file whose flush takes `flush`; rows that are not numbers are refused. */
function numbersLoad(flush: (batch: Numbers) => Promise<void>, options: ImportOptions<string> = {}, concurrency = 1) {
  let imported = 0;
  return new BulkLoad<Numbers, [string, number], string>(
    { batchSize: 10, chunkBytes: 16, ...options },
    {
      concurrency,
      rows: splitLines,
      newBatch: () => ({ ids: [] }),
      addRow: (batch, [text, line]) => {
        if (!/^\d+$/.test(text)) return `line ${line}: not a number`;
        batch.ids.push(Number(text));
        return undefined;
      },
      flush: async (batch) => {
        await flush(batch);
        imported += batch.ids.length;
      },
      counts: () => ({ imported, existing: 0 }),
    },
  );
}

describe('the bulk load', () => {
  it('hands every valid row over in full batches, counts and reports the refused ones, and sums up', async () => {
    const batches: number[][] = [];
    const reported: string[] = [];
    const load = numbersLoad(
      async (batch) => {
        batches.push(batch.ids);
      },
      { maxReportedSkips: 1, onSkip: (row) => reported.push(row) },
    );
    const summary = await load.run(file, async () => undefined);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 8]);
    expect(batches.flat()).toEqual(Array.from({ length: 100 }, (_, index) => index + 1).filter((n) => n !== 10 && n !== 20));
    expect(summary).toMatchObject({ rowsRead: 100, invalid: 2, skipped: 2, firstSkipped: ['line 10: not a number'] });
    expect(reported).toEqual(['line 10: not a number']);
  });

  it('never has more than `concurrency` batches in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const load = numbersLoad(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
      },
      {},
      3,
    );
    await load.run(file, async () => undefined);
    expect(most).toBe(3);
  });

  it('stops at a failed insert, still runs `after` (told it failed), and throws the insert’s error', async () => {
    let flushes = 0;
    let afterFailed: boolean | undefined;
    const load = numbersLoad(async () => {
      flushes++;
      if (flushes === 2) throw new Error('insert failed');
    });
    await expect(
      load.run(file, async (failed) => {
        afterFailed = failed;
      }),
    ).rejects.toThrow('insert failed');
    expect(afterFailed).toBe(true);
    expect(flushes).toBeLessThan(10);
  });

  it('throws when the file cannot be read, after running `after`', async () => {
    let ran = false;
    const load = numbersLoad(async () => undefined);
    await expect(
      load.run(join(directory, 'missing.txt'), async () => {
        ran = true;
      }),
    ).rejects.toThrow(/ENOENT/);
    expect(ran).toBe(true);
  });

  it('reports progress with the rows read and the importer’s counts', async () => {
    const progress: number[] = [];
    const load = numbersLoad(async () => undefined, { progressIntervalMs: 0, onProgress: (p) => progress.push(p.rowsRead) });
    await load.run(file, async () => undefined);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toBeLessThanOrEqual(100);
  });

  it('refuses a batch size or concurrency that is not a positive integer', () => {
    expect(() => numbersLoad(async () => undefined, { batchSize: 0 })).toThrow('batchSize must be a positive integer');
    expect(() => numbersLoad(async () => undefined, {}, 1.5)).toThrow('concurrency must be a positive integer');
  });
});

describe('rows an insert … on conflict do nothing did not insert', () => {
  it('are none when every id came back', () => {
    expect(notInserted([3, 1, 2], [{ id: 1 }, { id: 2 }, { id: 3 }])).toEqual([]);
  });

  it('are the positions whose id did not come back, the later of two rows with the same id', () => {
    expect(notInserted([5, 6, 5, 7], [{ id: 5 }, { id: 7 }])).toEqual([1, 2]);
  });
});
