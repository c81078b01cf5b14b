import { mkdir, writeFile } from 'node:fs/promises';
import type { Measurement } from './scenario.ts';

export const BARE_FASTIFY = 'baseline.bare-fastify';
/** Bare Fastify sending a search page's weight of JSON (a scenario may compareTo it). */
export const BARE_FASTIFY_EVENTS_PAGE = 'baseline.bare-fastify-events-page';
export const rawDbName = (name: string): string => `baseline.raw-db-${name}`;

/** A Markdown table, so a run can be pasted into docs/benchmarks.md as is. */
export function formatTable(rows: Measurement[]): string {
  // The "vs scenario" column (a scenario's compareTo) appears only when some row has one.
  const otherScenario = (row: Measurement) =>
    Object.entries(row.ratios).find(([name]) => name !== BARE_FASTIFY && !name.startsWith(rawDbName('')));
  const withScenarios = rows.some((row) => otherScenario(row));
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'spread', 'vs bare-fastify', 'vs raw-db'];
  if (withScenarios) header.push('vs scenario');
  const body = rows.map((row) => {
    const rawDb = Object.entries(row.ratios).find(([name]) => name.startsWith(rawDbName('')));
    const other = otherScenario(row);
    const cells = [
      row.name,
      Math.round(row.perSecond).toLocaleString('en-US'),
      formatMs(row.p50Ms),
      formatMs(row.p99Ms),
      String(row.errors),
      row.kind === 'baseline' && row.name !== BARE_FASTIFY ? '—' : String(row.non2xx),
      formatSpread(row.rounds),
      formatRatio(row.ratios[BARE_FASTIFY]),
      rawDb ? `${formatRatio(rawDb[1])} (${rawDb[0].replace(rawDbName(''), '')})` : '—',
    ];
    if (withScenarios) cells.push(other ? `${formatRatio(other[1])} (${other[0]})` : '—');
    return cells;
  });
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

const formatMs = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const formatRatio = (ratio: number | undefined): string => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);

/** Half the range over rounds, relative to the median: how far apart repeated measurements landed. */
export function spread(rounds: number[]): number {
  return rounds.length < 2 ? 0 : (Math.max(...rounds) - Math.min(...rounds)) / 2 / median(rounds);
}

const formatSpread = (rounds: number[]): string => (rounds.length < 2 ? '—' : `±${(spread(rounds) * 100).toFixed(0)}%`);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Writes bench/results/<timestamp>.json (git-ignored) and returns its path. */
export async function writeResults(report: object, startedAt: Date): Promise<string> {
  const directory = new URL('../results/', import.meta.url);
  await mkdir(directory, { recursive: true });
  const file = new URL(`${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, directory);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file.pathname;
}
