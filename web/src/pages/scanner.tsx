import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { formatDate } from '../ui.tsx';

interface Verdict {
  kind: 'valid' | 'used' | 'invalid';
  detail: string;
}

interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

/**
 * The door: type, paste or scan a ticket code and get one big answer. Checking in is one call
 * (POST /api/tickets/:code/checkin): 200 is valid, a 409 already-used names when; anything else is
 * invalid, in the API's words.
 */
export function ScannerPage() {
  const { t, locale } = useI18n();
  const [eventId, setEventId] = useState(localStorage.getItem('sbor.scanner.event') ?? '');
  const [gate, setGate] = useState(localStorage.getItem('sbor.scanner.gate') ?? 'A');
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const [camera, setCamera] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const detectorClass = (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;

  const check = async (raw: string) => {
    const value = raw.trim();
    if (!value) return;
    setBusy(true);
    localStorage.setItem('sbor.scanner.event', eventId);
    localStorage.setItem('sbor.scanner.gate', gate);
    try {
      const answer = await api<{ used_at: string; ticket: { seat: { row: number | null; number: number | null } | null } }>(
        `/api/tickets/${encodeURIComponent(value)}/checkin`,
        {
          method: 'POST',
          body: { gate, scan_id: crypto.randomUUID(), ...(eventId ? { event_id: Number(eventId) } : {}) },
        },
      );
      const seat = answer.ticket.seat;
      setVerdict({ kind: 'valid', detail: seat ? `${t.row} ${seat.row}, ${t.seat} ${seat.number}` : '' });
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'ticket-already-used')
        setVerdict({ kind: 'used', detail: caught.message });
      else if (caught instanceof ApiError && /already/i.test(caught.code)) setVerdict({ kind: 'used', detail: caught.message });
      else setVerdict({ kind: 'invalid', detail: caught instanceof Error ? caught.message : String(caught) });
    } finally {
      setBusy(false);
      setCode('');
      input.current?.focus();
    }
  };

  const onSubmit = (event: SyntheticEvent) => {
    event.preventDefault();
    void check(code);
  };

  // Camera scanning where the browser has BarcodeDetector.
  useEffect(() => {
    if (!camera || !detectorClass) return;
    let stream: MediaStream | null = null;
    const state = { stopped: false };
    let last = '';
    const detector = new detectorClass({ formats: ['qr_code'] });
    const run = async () => {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      if (!video.current || state.stopped) return;
      video.current.srcObject = stream;
      await video.current.play();
      while (!state.stopped) {
        const found = await detector.detect(video.current).catch(() => []);
        const value = found[0]?.rawValue;
        if (value && value !== last) {
          last = value;
          await check(value);
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    run().catch((caught: unknown) => setVerdict({ kind: 'invalid', detail: (caught as Error).message }));
    return () => {
      state.stopped = true;
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    // check is recreated each render; the loop uses the one it started with.
  }, [camera]);

  return (
    <main className="scanner">
      <h1>{t.scanTitle}</h1>
      <form className="stack" onSubmit={onSubmit}>
        <div className="inline">
          <label>
            {t.eventId}
            <input inputMode="numeric" className="narrow" value={eventId} onChange={(e) => setEventId(e.target.value)} />
          </label>
          <label>
            {t.gate}
            <input className="narrow" value={gate} onChange={(e) => setGate(e.target.value)} required />
          </label>
        </div>
        <label>
          {t.code}
          <input
            ref={input}
            name="code"
            autoFocus
            autoComplete="off"
            spellCheck={false}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <button type="submit" className="primary big" disabled={busy || !code.trim()}>
          {t.check}
        </button>
        {detectorClass && (
          <button type="button" onClick={() => setCamera(!camera)}>
            {camera ? t.stopCamera : t.camera}
          </button>
        )}
      </form>
      {camera && <video ref={video} className="camera" muted playsInline />}
      {verdict && (
        <output className={`verdict big ${verdict.kind}`} data-testid="verdict" aria-live="assertive">
          <strong>{verdict.kind === 'valid' ? t.valid : verdict.kind === 'used' ? t.alreadyUsed : t.invalid}</strong>
          {verdict.detail && <span>{verdict.detail}</span>}
          <small>{formatDate(new Date().toISOString(), locale)}</small>
        </output>
      )}
    </main>
  );
}
