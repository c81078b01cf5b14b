import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useI18n } from '../i18n.ts';
import { clockOf, dayLabel, offsetOf, QUARTER_MS, type HallAvailability, type SlotStatus } from './rentals.api.ts';

// The week grid of a hall's quarter hours: days as columns, local times as rows. Rows are the
// wall-clock labels the days really have, drawn from each quarter hour's UTC instant in the hall's
// zone: a day the clocks go forward has a gap, a day they go back has its repeated quarter hours
// as rows of their own (labelled with the offset), placed after the first ones.

export interface Selection {
  /** The first quarter hour's instant (ms). */
  from: number;
  /** The end, exclusive (ms). */
  to: number;
}

interface Cell {
  at: number;
  status: SlotStatus;
}

interface Row {
  key: string;
  label: string;
  /** The UTC offset, for a repeated wall-clock time only. */
  offset: string;
}

/**
 * The rows of several days, in order: each day's labels keep their order, and where days differ
 * (a repeated or skipped hour) the earlier wall clock comes first. A topological merge, so a
 * repeated 02:00 comes after the first 02:45 and before 03:00.
 */
function mergeRows(days: { keys: string[] }[]): string[] {
  const after = new Map<string, Set<string>>();
  const waiting = new Map<string, number>();
  for (const { keys } of days)
    keys.forEach((key, index) => {
      if (!waiting.has(key)) waiting.set(key, 0);
      const next = keys[index + 1];
      if (next === undefined) return;
      const set = after.get(key) ?? new Set<string>();
      if (!set.has(next)) {
        set.add(next);
        waiting.set(next, (waiting.get(next) ?? 0) + 1);
      }
      after.set(key, set);
    });
  const order = (key: string) => {
    const [clock = '', repeat = '1'] = key.split('#');
    return Number(clock.replace(':', '')) * 10 + Number(repeat);
  };
  const ready = [...waiting].filter(([, count]) => count === 0).map(([key]) => key);
  const rows: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => order(a) - order(b));
    const key = ready.shift();
    if (key === undefined) break;
    rows.push(key);
    for (const next of after.get(key) ?? []) {
      const left = (waiting.get(next) ?? 1) - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  // Never expected (labels within a day only move forward or repeat once), but no row is lost.
  if (rows.length < waiting.size) return [...waiting.keys()].sort((a, b) => order(a) - order(b));
  return rows;
}

function layout(availability: HallAvailability, dates: string[], timeZone: string) {
  const columns = availability.days
    .filter((day) => dates.includes(day.date))
    .map((day) => {
      const seen = new Map<string, number>();
      const cells = new Map<string, Cell>();
      const keys = day.slots.map((slot) => {
        const at = Date.parse(slot.starts_at);
        const label = clockOf(at, timeZone);
        const repeat = (seen.get(label) ?? 0) + 1;
        seen.set(label, repeat);
        const key = `${label}#${repeat}`;
        cells.set(key, { at, status: slot.status });
        return key;
      });
      return { date: day.date, keys, cells };
    });
  const rows: Row[] = mergeRows(columns).map((key) => {
    const [label = '', repeat] = key.split('#');
    const sample = columns.map((column) => column.cells.get(key)).find(Boolean);
    return { key, label, offset: repeat !== '1' && sample ? offsetOf(sample.at, timeZone) : '' };
  });
  return { columns, rows };
}

export function WeekGrid(props: {
  availability: HallAvailability;
  timeZone: string;
  dates: string[];
  selection: Selection | null;
  onSelect: (selection: Selection | null) => void;
}) {
  const { t, locale } = useI18n();
  const { columns, rows } = useMemo(
    () => layout(props.availability, props.dates, props.timeZone),
    [props.availability, props.dates, props.timeZone],
  );
  // Where a drag started, whether it moved, and (after a single click) the start awaiting its end.
  const drag = useRef<{ start: number; moved: boolean } | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [focusAt, setFocusAt] = useState<number | null>(null);

  const span = (a: number, b: number): Selection => ({ from: Math.min(a, b), to: Math.max(a, b) + QUARTER_MS });
  const cellAt = (x: number, y: number): number | null => {
    const element = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-at]');
    return element ? Number(element.dataset.at) : null;
  };
  const free = (at: number) =>
    columns.some((column) => [...column.cells.values()].some((cell) => cell.at === at && cell.status === 'free'));

  /** A click (or Enter): the first picks a start, the next its end; a click on the start again clears. */
  const pick = (at: number) => {
    if (anchor !== null) {
      props.onSelect(span(anchor, at));
      setAnchor(null);
    } else if (free(at)) {
      props.onSelect(span(at, at));
      setAnchor(at);
    }
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    const at = cellAt(event.clientX, event.clientY);
    if (at === null || event.button !== 0) return;
    event.preventDefault();
    drag.current = { start: anchor ?? at, moved: false };
    if (anchor === null && free(at)) props.onSelect(span(at, at));
    setFocusAt(at);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = drag.current;
    if (!current) return;
    const at = cellAt(event.clientX, event.clientY);
    if (at === null) return;
    if (at !== current.start || current.moved) {
      current.moved = true;
      props.onSelect(span(current.start, at));
      setFocusAt(at);
    }
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    const current = drag.current;
    drag.current = null;
    if (!current) return;
    const at = cellAt(event.clientX, event.clientY) ?? focusAt;
    if (current.moved) {
      setAnchor(null);
      return;
    }
    if (at !== null) pick(at);
  };

  // Keys: arrows move, Shift+arrows stretch the selection, Enter or Space picks a start or an end.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = focusAt ?? columns[0]?.cells.values().next().value?.at;
    if (at === undefined) return;
    const columnIndex = columns.findIndex((column) => [...column.cells.values()].some((cell) => cell.at === at));
    const column = columns[columnIndex];
    const rowIndex = rows.findIndex((row) => column?.cells.get(row.key)?.at === at);
    let next: number | undefined;
    const inColumn = (index: number, direction: number) => {
      for (let i = rowIndex + direction; i >= 0 && i < rows.length; i += direction) {
        const cell = columns[index]?.cells.get(rows[i]?.key ?? '');
        if (cell) return cell.at;
      }
      return undefined;
    };
    if (event.key === 'ArrowDown') next = inColumn(columnIndex, 1);
    else if (event.key === 'ArrowUp') next = inColumn(columnIndex, -1);
    else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      const other = columns[columnIndex + (event.key === 'ArrowRight' ? 1 : -1)];
      next = other?.cells.get(rows[rowIndex]?.key ?? '')?.at;
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      pick(at);
      return;
    } else if (event.key === 'Escape') {
      setAnchor(null);
      props.onSelect(null);
      return;
    } else return;
    event.preventDefault();
    if (next === undefined) return;
    setFocusAt(next);
    if (event.shiftKey) {
      const start = anchor ?? props.selection?.from ?? at;
      setAnchor(start);
      props.onSelect(span(start, next));
    }
    document.querySelector<HTMLElement>(`[data-at="${next}"]`)?.focus();
  };

  const selected = (at: number) => !!props.selection && at >= props.selection.from && at < props.selection.to;
  const tabStop = focusAt ?? props.selection?.from ?? columns[0]?.cells.values().next().value?.at;
  if (rows.length === 0) return <p className="muted">{t.rentClosedAllWeek}</p>;
  return (
    <div className="rent-grid-wrap">
      <div
        className="rent-grid"
        role="grid"
        aria-label={t.rentGridLabel}
        aria-multiselectable="true"
        style={{ gridTemplateColumns: `4.5em repeat(${columns.length}, minmax(2.5em, 1fr))` }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (drag.current = null)}
        onKeyDown={onKeyDown}
        data-testid="rent-grid"
      >
        <div role="row" className="rent-grid-row">
          <span role="columnheader" className="rent-grid-corner" />
          {columns.map((column) => (
            <span role="columnheader" key={column.date} className="rent-grid-day">
              {dayLabel(column.date, locale)}
            </span>
          ))}
        </div>
        {rows.map((row) => (
          <div role="row" className={`rent-grid-row${row.label.endsWith(':00') ? ' hour' : ''}`} key={row.key}>
            <span role="rowheader" className="rent-grid-time">
              {row.label.endsWith(':00') || row.offset ? row.label : ''}
              {row.offset && <small> {row.offset}</small>}
            </span>
            {columns.map((column) => {
              const cell = column.cells.get(row.key);
              if (!cell) return <span role="gridcell" key={column.date} className="rent-cell none" aria-hidden="true" />;
              const name = `${dayLabel(column.date, locale)} ${row.label}${row.offset ? ` ${row.offset}` : ''}: ${t[`rentStatus_${cell.status}`]}`;
              return (
                <span
                  role="gridcell"
                  key={column.date}
                  data-at={cell.at}
                  data-date={column.date}
                  data-time={row.label}
                  data-status={cell.status}
                  className={`rent-cell ${cell.status}${selected(cell.at) ? ' selected' : ''}${anchor === cell.at ? ' anchor' : ''}`}
                  aria-selected={selected(cell.at)}
                  aria-label={name}
                  title={name}
                  tabIndex={cell.at === tabStop ? 0 : -1}
                  onFocus={() => setFocusAt(cell.at)}
                />
              );
            })}
          </div>
        ))}
      </div>
    </div>
  );
}

/** The statuses' colours, explained. */
export function GridLegend() {
  const { t } = useI18n();
  const statuses: (SlotStatus | 'selected')[] = ['free', 'selected', 'held', 'booked', 'blocked', 'buffer', 'closed'];
  return (
    <p className="rent-legend" aria-label={t.rentLegend}>
      {statuses.map((status) => (
        <span key={status}>
          <i className={`rent-cell ${status}`} aria-hidden="true" />
          {status === 'selected' ? t.selected : t[`rentStatus_${status}`]}
        </span>
      ))}
    </p>
  );
}
