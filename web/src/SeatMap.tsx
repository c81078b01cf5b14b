import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { poll, type SeatMap as SeatMapData } from './api.ts';
import { useI18n } from './i18n.ts';
import { ErrorText } from './ui.tsx';

export interface PickedSeat {
  id: number;
  row: number;
  number: number;
  price: number;
  currency: string;
  zone: string;
}

type Row = SeatMapData['rows'][number];

const POLL_MS = 2000;
/** Below this many pixels per seat a click zooms in instead of picking a seat. */
const PICKABLE = 6;
const MAX_SCALE = 36;
/** Pixels kept above the hall for the first zone's label (16 px box and a little air). */
const LABEL_SPACE = 20;
const ZONE_COLORS = ['#2f9e44', '#1c7ed6', '#ae3ec9', '#e8590c', '#0c8599', '#d6336c', '#5c940d', '#3b5bdb'];
const HELD = '#f59f00';
const SOLD = '#495057';
/** Seats outside the block the venue allots us (N): not ours to sell, lighter than sold. */
const NOT_HERE = '#ced4da';
const PICKED = '#111111';

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/**
 * The hall on a canvas: one pixel per seat in an offscreen bitmap (100,000 seats are a
 * 1000×100 image), scaled and panned onto the visible canvas. Zones are colours, so the whole hall
 * reads at a glance; zooming in makes seats big enough to pick. Statuses are polled every 2 s with
 * an ETag (only the rows in view when the hall is large).
 */
export function SeatMap(props: {
  eventId: number;
  picked: Map<number, PickedSeat>;
  onToggle: (seat: PickedSeat) => void;
  /** A click on a seat that cannot be picked: taken, or not sold here at all. */
  onTaken: (why: 'taken' | 'not-sold-here') => void;
}) {
  const { t } = useI18n();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const bitmapRef = useRef<HTMLCanvasElement | null>(null);
  const dataRef = useRef<{ map: SeatMapData; rows: Map<number, Row>; width: number; height: number } | null>(null);
  const view = useRef({ scale: 1, x: 0, y: 0, fitted: false });
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const [counts, setCounts] = useState<{ free: number; held: number; sold: number; notHere: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scaleLabel, setScaleLabel] = useState(1);
  const propsRef = useRef(props);
  propsRef.current = props;

  const zoneColor = useCallback((zoneId: number) => {
    const zones = dataRef.current?.map.zones ?? [];
    const index = zones.findIndex((zone) => zone.id === zoneId);
    return ZONE_COLORS[(index < 0 ? 0 : index) % ZONE_COLORS.length] ?? '#2f9e44';
  }, []);

  /** Repaints the seat bitmap from the statuses (and the picked seats). */
  const paintBitmap = useCallback(() => {
    const data = dataRef.current;
    if (!data) return;
    let bitmap = bitmapRef.current;
    if (bitmap?.width !== data.width || bitmap.height !== data.height) {
      bitmap = document.createElement('canvas');
      bitmap.width = data.width;
      bitmap.height = data.height;
      bitmapRef.current = bitmap;
    }
    const context = bitmap.getContext('2d');
    if (!context) return;
    const image = context.createImageData(data.width, data.height);
    const pixels = image.data;
    const held = hexToRgb(HELD);
    const sold = hexToRgb(SOLD);
    const notHere = hexToRgb(NOT_HERE);
    const picked = hexToRgb(PICKED);
    const pickedIds = propsRef.current.picked;
    let free = 0;
    let heldCount = 0;
    let soldCount = 0;
    let notHereCount = 0;
    for (const row of data.rows.values()) {
      const base = hexToRgb(zoneColor(row.zone_id));
      const offset = (row.row - 1) * data.width;
      for (let index = 0; index < row.status.length; index++) {
        const status = row.status.charCodeAt(index);
        const id = row.ids ? (row.ids[index] ?? 0) : row.first_id + index;
        let color = base;
        if (status === 83) {
          color = sold;
          soldCount++;
        } else if (status === 78) {
          color = notHere;
          notHereCount++;
        } else if (status === 82) {
          color = held;
          heldCount++;
        } else {
          free++;
          if (pickedIds.has(id)) color = picked;
        }
        const pixel = (offset + index) * 4;
        pixels[pixel] = color[0];
        pixels[pixel + 1] = color[1];
        pixels[pixel + 2] = color[2];
        pixels[pixel + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    setCounts({ free, held: heldCount, sold: soldCount, notHere: notHereCount });
  }, [zoneColor]);

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    const data = dataRef.current;
    const bitmap = bitmapRef.current;
    if (!canvas || !data || !bitmap) return;
    const context = canvas.getContext('2d');
    if (!context) return;
    const { scale, x, y } = view.current;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingEnabled = false;
    context.drawImage(bitmap, x, y, data.width * scale, data.height * scale);
    if (scale >= PICKABLE) {
      // Gaps between seats, only over the part in view.
      context.fillStyle = '#ffffff';
      const gap = Math.max(1, Math.floor(scale / 6));
      const firstColumn = Math.max(0, Math.floor(-x / scale));
      const lastColumn = Math.min(data.width, Math.ceil((canvas.width - x) / scale));
      for (let column = firstColumn; column <= lastColumn; column++)
        context.fillRect(x + column * scale, y, gap, data.height * scale);
      const firstRow = Math.max(0, Math.floor(-y / scale));
      const lastRow = Math.min(data.height, Math.ceil((canvas.height - y) / scale));
      for (let row = firstRow; row <= lastRow; row++) context.fillRect(x, y + row * scale, data.width * scale, gap);
      if (scale >= 18) {
        context.fillStyle = '#ffffff';
        context.font = `${Math.floor(scale / 2.4)}px system-ui, sans-serif`;
        context.textAlign = 'center';
        context.textBaseline = 'middle';
        for (let row = firstRow; row < lastRow; row++) {
          for (let column = firstColumn; column < lastColumn; column++) {
            const status = data.rows.get(row + 1)?.status ?? '';
            // Seats not sold here carry no number: they read as unavailable, not as a lighter choice.
            if (column >= status.length || status[column] === 'N') continue;
            context.fillText(String(column + 1), x + (column + 0.5) * scale, y + (row + 0.5) * scale);
          }
        }
      }
    }
    // Zone names at the left edge of their first row.
    context.font = '600 12px system-ui, sans-serif';
    context.textAlign = 'left';
    context.textBaseline = 'top';
    for (const zone of data.map.zones) {
      const top = y + (zone.from_row - 1) * scale;
      if (top < -12 || top > canvas.height) continue;
      const label = `${zone.name} · ${t.row} ${zone.from_row}–${zone.to_row}`;
      // Above the hall's first row when there is room (fit leaves it), so it covers no seat numbers;
      // a later zone's label sits on its own first row, as there is no free line above it.
      const boxTop = zone.from_row === 1 && top >= LABEL_SPACE ? top - LABEL_SPACE + 2 : Math.max(2, top + 2);
      context.fillStyle = 'rgba(255,255,255,0.85)';
      context.fillRect(4, boxTop, context.measureText(label).width + 8, 16);
      context.fillStyle = '#212529';
      context.fillText(label, 8, boxTop + 2);
    }
    canvas.dataset.scale = String(scale);
    canvas.dataset.x = String(x);
    canvas.dataset.y = String(y);
  }, [t.row]);

  const fit = useCallback(() => {
    const canvas = canvasRef.current;
    const data = dataRef.current;
    if (!canvas || !data) return;
    // A line kept free above the hall for the first zone's label.
    const scale = Math.min(canvas.width / data.width, (canvas.height - LABEL_SPACE) / data.height, MAX_SCALE);
    view.current = {
      scale,
      x: (canvas.width - data.width * scale) / 2,
      y: LABEL_SPACE + (canvas.height - LABEL_SPACE - data.height * scale) / 2,
      fitted: true,
    };
    setScaleLabel(scale);
    draw();
  }, [draw]);

  const zoomAt = useCallback(
    (factor: number, centerX: number, centerY: number) => {
      const current = view.current;
      const data = dataRef.current;
      const canvas = canvasRef.current;
      if (!data || !canvas) return;
      const minimum = Math.min(canvas.width / data.width, canvas.height / data.height, MAX_SCALE);
      const scale = Math.max(minimum, Math.min(MAX_SCALE, current.scale * factor));
      view.current = {
        scale,
        x: centerX - ((centerX - current.x) * scale) / current.scale,
        y: centerY - ((centerY - current.y) * scale) / current.scale,
        fitted: false,
      };
      setScaleLabel(scale);
      draw();
    },
    [draw],
  );

  // Size the canvas to its box (and the device's pixels) and keep it so.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const resize = () => {
      const box = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(box.width));
      canvas.height = Math.max(1, Math.round(box.height));
      if (view.current.fitted || view.current.scale === 1) fit();
      else draw();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(canvas);
    resize();
    return () => observer.disconnect();
  }, [fit, draw]);

  // Load, then poll: the rows in view for a large hall, all of them for a small one.
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const load = async () => {
      try {
        const data = dataRef.current;
        let range: { from_row: number; to_row: number } | undefined;
        if (data && data.width * data.height > 20_000 && !view.current.fitted) {
          const canvas = canvasRef.current;
          const { scale, y } = view.current;
          const from = Math.max(1, Math.floor(-y / scale) + 1);
          const to = Math.min(data.height, Math.ceil(((canvas?.height ?? 0) - y) / scale) + 1);
          range = { from_row: from, to_row: Math.max(from, to) };
        }
        const answer = await poll('/api/events/{id}/seat-map', { path: { id: props.eventId }, query: range });
        if (stopped) return;
        if (answer) {
          const first = !dataRef.current;
          const rows = dataRef.current?.rows ?? new Map<number, Row>();
          for (const row of answer.rows) rows.set(row.row, row);
          const height = Math.max(0, ...answer.zones.map((zone) => zone.to_row));
          const width = Math.max(1, ...answer.zones.map((zone) => zone.seats_per_row));
          dataRef.current = { map: answer, rows, width, height: Math.max(1, height) };
          // A picked seat someone else took meanwhile is dropped from the pick.
          for (const seat of propsRef.current.picked.values()) {
            const row = rows.get(seat.row);
            if (row && row.status[seat.number - 1] !== 'F') propsRef.current.onToggle(seat);
          }
          paintBitmap();
          if (first) {
            fit();
            performance.mark('seatmap-interactive');
            canvasRef.current?.setAttribute('data-ready', 'true');
          } else draw();
        }
        setError(null);
      } catch (caught) {
        setError(caught);
      }
      if (!stopped) timer = window.setTimeout(() => void load(), POLL_MS);
    };
    void load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [props.eventId, paintBitmap, fit, draw]);

  // The pick changed: repaint.
  useEffect(() => {
    paintBitmap();
    draw();
  }, [props.picked, paintBitmap, draw]);

  const seatAt = (clientX: number, clientY: number) => {
    const canvas = canvasRef.current;
    const data = dataRef.current;
    if (!canvas || !data) return null;
    const box = canvas.getBoundingClientRect();
    const px = ((clientX - box.left) * canvas.width) / box.width;
    const py = ((clientY - box.top) * canvas.height) / box.height;
    const column = Math.floor((px - view.current.x) / view.current.scale);
    const rowNumber = Math.floor((py - view.current.y) / view.current.scale) + 1;
    return { px, py, row: data.rows.get(rowNumber), number: column + 1 };
  };

  const onPointerDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    drag.current = { x: event.clientX, y: event.clientY, moved: false };
    event.currentTarget.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const current = drag.current;
    if (!current) return;
    const dx = event.clientX - current.x;
    const dy = event.clientY - current.y;
    if (!current.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
    current.moved = true;
    current.x = event.clientX;
    current.y = event.clientY;
    view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy, fitted: false };
    draw();
  };
  const onPointerUp = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const current = drag.current;
    drag.current = null;
    if (!current || current.moved) return;
    const hit = seatAt(event.clientX, event.clientY);
    if (!hit) return;
    if (view.current.scale < PICKABLE) {
      zoomAt(Math.min(12, MAX_SCALE) / view.current.scale, hit.px, hit.py);
      return;
    }
    const row = hit.row;
    if (!row || hit.number < 1 || hit.number > row.status.length) return;
    const status = row.status[hit.number - 1];
    const zone = dataRef.current?.map.zones.find((candidate) => candidate.id === row.zone_id);
    if (!zone) return;
    if (status !== 'F') {
      propsRef.current.onTaken(status === 'N' ? 'not-sold-here' : 'taken');
      return;
    }
    const id = row.ids ? (row.ids[hit.number - 1] ?? 0) : row.first_id + hit.number - 1;
    propsRef.current.onToggle({
      id,
      row: row.row,
      number: hit.number,
      price: zone.price,
      currency: zone.currency,
      zone: zone.name,
    });
  };

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - box.left, event.clientY - box.top);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  const center = () => {
    const canvas = canvasRef.current;
    return canvas ? [canvas.width / 2, canvas.height / 2] : [0, 0];
  };

  return (
    <section className="seatmap" aria-label={t.seatMap}>
      <div className="seatmap-tools">
        <button type="button" onClick={() => zoomAt(1.6, center()[0] ?? 0, center()[1] ?? 0)} aria-label={t.zoomIn}>
          +
        </button>
        <button type="button" onClick={() => zoomAt(0.625, center()[0] ?? 0, center()[1] ?? 0)} aria-label={t.zoomOut}>
          −
        </button>
        <button type="button" onClick={fit}>
          {t.resetView}
        </button>
        {/* Each swatch with its word, so a narrow screen wraps between entries, not inside one. */}
        <span className="legend">
          <span>
            <i style={{ background: ZONE_COLORS[0] }} /> {t.free}
          </span>{' '}
          <span>
            <i style={{ background: HELD }} /> {t.held}
          </span>{' '}
          <span>
            <i style={{ background: SOLD }} /> {t.sold}
          </span>{' '}
          {counts && counts.notHere > 0 && (
            <>
              <span>
                <i style={{ background: NOT_HERE }} /> {t.notSoldHere}
              </span>{' '}
            </>
          )}
          <span>
            <i style={{ background: PICKED }} /> {t.selected}
          </span>
        </span>
        <span className="muted">×{scaleLabel.toFixed(1)}</span>
      </div>
      <canvas
        ref={canvasRef}
        className="seatmap-canvas"
        role="img"
        aria-label={t.seatMap}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
      />
      {counts && (
        <p className="seat-counts" data-testid="seat-counts" aria-live="polite">
          {t.free}: <b data-testid="count-free">{counts.free}</b> · {t.held}: <b data-testid="count-held">{counts.held}</b> ·{' '}
          {t.sold}: <b data-testid="count-sold">{counts.sold}</b>
          {counts.notHere > 0 && (
            <>
              {' '}
              · {t.notSoldHere}: <b data-testid="count-not-here">{counts.notHere}</b>
            </>
          )}
        </p>
      )}
      <ErrorText error={error} />
    </section>
  );
}
