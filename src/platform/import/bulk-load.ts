import { createReadStream } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { textChunks } from './lines.ts';

/**
 * The pipeline the data-set importers share: the file is streamed in chunks, the importer parses
 * and validates rows into column-wise batches, and each full batch is handed to the importer's
 * `flush` (one `insert … select from unnest(arrays)`) with at most `concurrency` of them in flight.
 * Memory holds one chunk and at most `concurrency + 1` batches whatever the file's size, because
 * reading waits for the database. What a row is, how it is checked and how a batch is inserted
 * stay with the importer.
 */

/** Reported while importing, at most once per `progressIntervalMs`. */
export interface ImportProgress {
  /** Rows read so far (valid or not). */
  rowsRead: number;
  imported: number;
  existing: number;
  skipped: number;
  elapsedMs: number;
  /** Rows read per second since the start. */
  rowsPerSecond: number;
}

/** The options every importer takes; `Skip` is its report of a skipped row. */
export interface ImportOptions<Skip> {
  /** Rows per insert statement (default 5000). */
  batchSize?: number;
  /** Called at most once per `progressIntervalMs` (default 1000) while importing. */
  onProgress?: (progress: ImportProgress) => void;
  progressIntervalMs?: number;
  /** Called for each of the first `maxReportedSkips` skipped rows, as they are found. */
  onSkip?: (row: Skip) => void;
  /** How many skipped rows to report (default 10). */
  maxReportedSkips?: number;
  /** Bytes per read from the file (default 256 KiB); tests use tiny chunks to cross boundaries. */
  chunkBytes?: number;
  /**
   * A PostgreSQL pool: load through COPY into a temporary table and one `insert … select` from it
   * (copy-load.ts), instead of one unnest insert per batch. Not for PGlite.
   */
  copyPool?: pg.Pool | undefined;
}

/** A batch of column-wise arrays; its `ids` tell how many rows it holds. */
export interface ColumnBatch {
  readonly ids: readonly unknown[];
}

/** What an importer knows: its file format, its rows, its batches and how to insert one. */
export interface BulkLoadPipeline<Batch extends ColumnBatch, Row, Skip> {
  /** Batches being inserted at once (default 1: one is inserted while the next is parsed). */
  concurrency?: number | undefined;
  /** Parses the file's text into rows, one array per chunk read. */
  rows: (chunks: AsyncIterable<string>) => AsyncIterable<readonly Row[]>;
  newBatch: () => Batch;
  /** Validates a row and adds it to the batch; returns why it was refused, if it was. */
  addRow: (batch: Batch, row: Row) => Skip | undefined;
  /**
   * Inserts a full batch and counts what became of its rows; a row skipped there (a conflict the
   * importer does not take for an existing row) goes to `skipped`.
   */
  flush: (batch: Batch, skipped: SkippedRows<Skip>) => Promise<void>;
  /** The importer's counts for a progress report. */
  counts: () => Pick<ImportProgress, 'imported' | 'existing'>;
}

/** The figures every import summary has. */
export interface BulkLoadSummary<Skip> {
  rowsRead: number;
  /** Rows that did not validate. */
  invalid: number;
  /** Every skipped row: invalid, or skipped by the insert. */
  skipped: number;
  /** The first skipped rows (at most `maxReportedSkips`). */
  firstSkipped: Skip[];
  durationMs: number;
  rowsPerSecond: number;
  /** Peak resident set size of this process so far. */
  peakRssBytes: number;
}

export class BulkLoad<Batch extends ColumnBatch, Row, Skip> {
  private rowsRead = 0;
  private invalid = 0;
  private readonly skipped: SkippedRows<Skip>;
  private readonly options: ImportOptions<Skip>;
  private readonly pipeline: BulkLoadPipeline<Batch, Row, Skip>;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly startedAt = performance.now();
  private lastProgressAt = this.startedAt;
  private batch: Batch;
  private readonly inFlight = new Set<Promise<void>>();
  /** The first failed insert; the next hand-over (or the end) throws it. */
  private flushFailure: { error: unknown } | undefined;

  constructor(options: ImportOptions<Skip>, pipeline: BulkLoadPipeline<Batch, Row, Skip>) {
    this.batchSize = options.batchSize ?? 5000;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    this.concurrency = pipeline.concurrency ?? 1;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
    this.options = options;
    this.pipeline = pipeline;
    this.skipped = new SkippedRows(options);
    this.batch = pipeline.newBatch();
  }

  /**
   * Streams the file's text (chunks without a byte-order mark) through the pipeline: rows are
   * added to the batch, a full batch is handed to `flush` (waiting while `concurrency` are in
   * flight, so reading waits for the database), and the last one is inserted at the end. `after`
   * runs in any case, told whether the load failed: even after a failure part of the file may be
   * in (the id sequence must move past it). The first failure is thrown at the end.
   */
  async run(
    filePath: string,
    after: (failed: boolean, skipped: SkippedRows<Skip>) => Promise<void>,
  ): Promise<BulkLoadSummary<Skip>> {
    const stream = createReadStream(filePath, { encoding: 'utf8', highWaterMark: this.options.chunkBytes ?? 256 * 1024 });
    let failure: unknown;
    try {
      for await (const rows of this.pipeline.rows(textChunks(stream))) {
        for (const row of rows) {
          this.rowsRead++;
          const problem = this.pipeline.addRow(this.batch, row);
          if (problem !== undefined) {
            this.invalid++;
            this.skipped.add(problem);
          }
          if (this.batch.ids.length >= this.batchSize) await this.handOver();
        }
      }
      if (this.batch.ids.length > 0) await this.submit(this.batch);
      await this.drain();
      if (this.flushFailure) throw this.flushFailure.error as Error;
    } catch (error) {
      failure = error;
      stream.destroy();
      await this.drain();
    }
    try {
      await after(failure !== undefined, this.skipped);
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure as Error;
    return {
      rowsRead: this.rowsRead,
      invalid: this.invalid,
      skipped: this.skipped.count,
      firstSkipped: this.skipped.first,
      durationMs: Math.round(this.elapsedMs()),
      rowsPerSecond: this.rowsPerSecond(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  }

  private elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  private rowsPerSecond(): number {
    return Math.round(this.rowsRead / Math.max(this.elapsedMs() / 1000, 0.001));
  }

  private async handOver(): Promise<void> {
    const full = this.batch;
    this.batch = this.pipeline.newBatch();
    await this.submit(full);
    this.maybeReportProgress();
  }

  private async submit(batch: Batch): Promise<void> {
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    if (this.flushFailure) throw this.flushFailure.error as Error;
    const pending: Promise<void> = this.pipeline.flush(batch, this.skipped).then(
      () => {
        this.inFlight.delete(pending);
      },
      (error: unknown) => {
        this.inFlight.delete(pending);
        this.flushFailure ??= { error };
      },
    );
    this.inFlight.add(pending);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private maybeReportProgress(): void {
    const { onProgress, progressIntervalMs = 1000 } = this.options;
    if (!onProgress) return;
    const now = performance.now();
    if (now - this.lastProgressAt < progressIntervalMs) return;
    this.lastProgressAt = now;
    onProgress({
      rowsRead: this.rowsRead,
      ...this.pipeline.counts(),
      skipped: this.skipped.count,
      elapsedMs: Math.round(this.elapsedMs()),
      rowsPerSecond: this.rowsPerSecond(),
    });
  }
}

/**
 * Skipped rows: all counted, the first (at most `maxReportedSkips`, default 10) kept for the
 * summary and passed to `onSkip` as they are found.
 */
export class SkippedRows<Skip> {
  count = 0;
  readonly first: Skip[] = [];
  private readonly max: number;
  private readonly onSkip: ((row: Skip) => void) | undefined;

  constructor(options: Pick<ImportOptions<Skip>, 'maxReportedSkips' | 'onSkip'>) {
    this.max = options.maxReportedSkips ?? 10;
    this.onSkip = options.onSkip;
  }

  /** Counts `count` more skipped rows that are not reported one by one (the COPY path's tail). */
  addUnreported(count: number): void {
    this.count += count;
  }

  /** Whether another skipped row would still be reported. */
  get wantsMore(): boolean {
    return this.first.length < this.max;
  }

  add(row: Skip): void {
    this.count++;
    if (this.first.length >= this.max) return;
    this.first.push(row);
    this.onSkip?.(row);
  }
}

/**
 * The rows of a batch that an `insert … on conflict do nothing returning id` did not insert, by
 * position. A row whose id the statement returned was inserted; with the same id twice in the
 * batch, the first row is the one (unnest keeps the order).
 */
export function notInserted(ids: readonly number[], inserted: readonly { id: number }[]): number[] {
  if (inserted.length === ids.length) return [];
  const insertedIds = new Set(inserted.map((row) => row.id));
  const missed: number[] = [];
  ids.forEach((id, position) => {
    if (!insertedIds.delete(id)) missed.push(position);
  });
  return missed;
}

/**
 * Moves `table`'s id sequence past its largest id (never backwards), so that the next row created
 * without an id, after an import that kept the file's ids, gets max + 1. Returns the largest id
 * (null for an empty table). `table` is schema-qualified, e.g. 'identity.users'.
 */
export async function advanceIdSequence(db: Kysely<object>, table: string): Promise<number | null> {
  const result = await sql<{ max_id: number | null }>`
    select max_id, case when max_id is not null then
             setval(seq, greatest(max_id, coalesce(pg_sequence_last_value(seq), 0))) end as value
    from (select pg_get_serial_sequence(${table}, 'id')::regclass as seq,
                 (select max(id) from ${sql.table(table)}) as max_id) as current`.execute(db);
  return result.rows[0]?.max_id ?? null;
}
