import { useCallback, useEffect, useRef, useState, type ChangeEvent, type SyntheticEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n, type Locale, type Strings } from '../i18n.ts';
import { fill } from '../problems.ts';
import { ErrorText, errorWords, formatDate } from '../ui.tsx';
import {
  canVerifySignatures,
  downloadBundle,
  OfflineGate,
  pendingCount,
  syncQueue,
  type OfflineVerdict,
  type SyncResult,
} from './scanner.offline.ts';
import { createReader, decoderName, loadJsQr, readImageFile, type DecoderName } from './scanner.qr.ts';
import './scanner.css';

interface Verdict {
  kind: 'valid' | 'used' | 'invalid' | 'error';
  detail: string;
  offline: boolean;
  decoder: DecoderName | 'typed';
  at: string;
  /** Counts verdicts, so two alike in a row are still told apart (tests wait on it). */
  seq: number;
}

const HEADLINES = { valid: 'valid', used: 'alreadyUsed', invalid: 'invalid', error: 'cannotCheck' } as const;
const SIGNS = { valid: '✓', used: '!', invalid: '✕', error: '?' } as const;
/** Short buzzes a phone can tell apart without looking. */
const BUZZ = { valid: [80], used: [200, 100, 200], invalid: [400], error: [400] } as const;

const SHELL_CACHE = 'sbor-scanner-shell';

/**
 * Lets the page itself load without a network: registers the scanner's service worker and puts
 * index.html and the /assets/ files this page loaded (jsQR too) into the cache it serves from,
 * dropping the assets of earlier builds.
 */
async function keepShellOffline(): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !('caches' in window)) return false;
  await navigator.serviceWorker.register('/scanner-sw.js');
  await navigator.serviceWorker.ready;
  if (decoderName() === 'jsqr') await loadJsQr();
  const cache = await caches.open(SHELL_CACHE);
  await cache.put('/index.html', await fetch('/', { headers: { accept: 'text/html' }, cache: 'no-cache' }));
  const loaded = [
    ...performance.getEntriesByType('resource').map((entry) => entry.name),
    ...[...document.querySelectorAll<HTMLScriptElement>('script[src]')].map((script) => script.src),
    ...[...document.querySelectorAll<HTMLLinkElement>('link[href]')].map((link) => link.href),
  ]
    .map((name) => new URL(name, window.location.href))
    .filter((url) => url.origin === window.location.origin && url.pathname.startsWith('/assets/'))
    .map((url) => url.pathname);
  const keep = new Set(loaded);
  await cache.addAll([...keep]);
  for (const stale of await cache.keys()) {
    const path = new URL(stale.url).pathname;
    if (path.startsWith('/assets/') && !keep.has(path)) await cache.delete(stale);
  }
  return true;
}

function syncWords(t: Strings, locale: Locale, report: SyncResult, when: (iso: string) => string): string[] {
  const failed = report.failed.map(({ eventId, error }) =>
    fill(t.syncFailed, { event: eventId, reason: errorWords(error, locale, t) }),
  );
  if (report.sent === 0) return failed.length > 0 ? failed : [t.syncNothing];
  return [
    ...failed,
    fill(t.syncSummary, {
      sent: report.sent,
      accepted: report.accepted.length,
      duplicates: report.duplicates.length,
      conflicts: report.conflicts.length,
      rejected: report.rejected.length,
    }),
    ...report.conflicts.map((conflict) =>
      fill(t.syncConflict, {
        ticket: conflict.ticket_id,
        gate: conflict.gate,
        at: when(conflict.scanned_at),
        firstGate: conflict.first.gate,
        firstAt: when(conflict.first.used_at),
      }),
    ),
    ...report.rejected.map((scan) =>
      fill(t.syncRejected, { ticket: scan.ticket_id === null ? '—' : `#${scan.ticket_id}`, reason: scan.reason ?? '?' }),
    ),
  ];
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/**
 * The door: type, paste, scan (camera or photo) a ticket code and get one big answer. Online it
 * is one call (POST /api/tickets/:code/checkin): 200 is valid, a 409 already-used names when;
 * a refused code is invalid, in the API's words. Offline (no network, or offline mode on) the
 * downloaded check-in bundle answers, and the admitted scans wait in IndexedDB for the sync.
 */
export function ScannerPage() {
  const { t, locale } = useI18n();
  const [eventId, setEventId] = useState(localStorage.getItem('sbor.scanner.event') ?? '');
  const [gate, setGate] = useState(localStorage.getItem('sbor.scanner.gate') ?? 'A');
  const [offlineMode, setOfflineMode] = useState(localStorage.getItem('sbor.scanner.offline') === '1');
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const [camera, setCamera] = useState(false);
  const [offlineGate, setOfflineGate] = useState<OfflineGate | null>(null);
  const [verifies, setVerifies] = useState(true);
  const [shellReady, setShellReady] = useState(false);
  const [pending, setPending] = useState(0);
  const [syncing, setSyncing] = useState(false);
  const [syncResult, setSyncResult] = useState<string[] | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [downloading, setDownloading] = useState(false);
  const online = useOnline();
  const input = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const verdictBox = useRef<HTMLOutputElement>(null);
  const when = useCallback((iso: string) => formatDate(iso, locale), [locale]);
  const event = Number(eventId);

  // The downloaded bundle of the chosen event, and the queue length, from IndexedDB.
  useEffect(() => {
    let live = true;
    setOfflineGate(null);
    if (event > 0)
      OfflineGate.open(event)
        .then(async (opened) => {
          if (!live) return;
          setOfflineGate(opened);
          if (opened) setVerifies(await canVerifySignatures(opened.bundle));
        })
        .catch(setProblem);
    void pendingCount().then(setPending, setProblem);
    return () => {
      live = false;
    };
  }, [event]);

  const syncRunning = useRef(false);
  const sync = useCallback(async () => {
    if (syncRunning.current) return;
    syncRunning.current = true;
    setSyncing(true);
    try {
      setSyncResult(syncWords(t, locale, await syncQueue(), when));
      setProblem(null);
    } catch (caught) {
      setProblem(caught);
    } finally {
      syncRunning.current = false;
      setSyncing(false);
      setPending(await pendingCount());
    }
  }, [t, locale, when]);

  // Online (and not told to stay offline), at start and when the network comes back: send the queue.
  useEffect(() => {
    if (!online || offlineMode) return;
    void pendingCount().then((count) => {
      if (count > 0) void sync();
    }, setProblem);
    // Only a change of network or mode starts a sync.
  }, [online, offlineMode]);

  useEffect(() => {
    // Braces: scrollIntoView returns a promise in newer browsers, and an effect may return only a cleanup.
    verdictBox.current?.scrollIntoView({ block: 'nearest' });
  }, [verdict]);

  const show = (kind: Verdict['kind'], detail: string, offline: boolean, decoder: Verdict['decoder']) => {
    setVerdict((before) => ({ kind, detail, offline, decoder, at: new Date().toISOString(), seq: (before?.seq ?? 0) + 1 }));
    if ('vibrate' in navigator) navigator.vibrate([...BUZZ[kind]]);
  };

  const showOffline = (answer: OfflineVerdict, decoder: Verdict['decoder']) => {
    if (answer.kind === 'valid') {
      show('valid', fill(t.offlineAdmitted, { ticket: answer.ticketId }), true, decoder);
    } else if (answer.kind === 'unverifiable') {
      show('error', t.offlineCannotVerify, true, decoder);
    } else if (answer.kind === 'used') {
      show(
        'used',
        fill(answer.here ? t.offlineUsedHere : t.offlineUsed, { at: when(answer.at), gate: answer.gate }),
        true,
        decoder,
      );
    } else {
      const words = { forged: t.offlineForged, 'other-event': t.offlineOtherEvent, cancelled: t.offlineCancelled };
      show('invalid', fill(words[answer.reason], { event: answer.eventId ?? '' }), true, decoder);
    }
  };

  const checkOffline = async (value: string, decoder: Verdict['decoder']) => {
    if (!offlineGate) {
      show('error', t.offlineNoBundle, true, decoder);
      return;
    }
    showOffline(await offlineGate.admit(value, gate), decoder);
    setPending(await pendingCount());
  };

  const check = async (raw: string, decoder: Verdict['decoder'] = 'typed') => {
    const value = raw.trim();
    if (!value) return;
    setBusy(true);
    localStorage.setItem('sbor.scanner.event', eventId);
    localStorage.setItem('sbor.scanner.gate', gate);
    try {
      if (offlineMode || !navigator.onLine) {
        await checkOffline(value, decoder);
        return;
      }
      try {
        const answer = await api.post('/api/tickets/{code}/checkin', {
          path: { code: value },
          body: { gate, scan_id: crypto.randomUUID(), ...(event > 0 ? { event_id: event } : {}) },
        });
        const { id, seat, ticket_type: type } = answer.ticket;
        const where = seat ? `${t.row} ${seat.row}, ${t.seat} ${seat.number}` : (type?.name ?? '');
        show('valid', `${t.ticket} #${id}${where ? ` · ${where}` : ''}`, false, decoder);
      } catch (caught) {
        if (caught instanceof ApiError) {
          const kind =
            caught.code === 'ticket-already-used' ? 'used' : caught.status === 403 || caught.status >= 500 ? 'error' : 'invalid';
          show(kind, errorWords(caught, locale, t), false, decoder);
        } else {
          // fetch itself failed: the network is down even if the browser thinks otherwise.
          await checkOffline(value, decoder);
        }
      }
    } catch (caught) {
      show('error', errorWords(caught, locale, t), offlineMode, decoder);
    } finally {
      setBusy(false);
      setCode('');
      input.current?.focus();
    }
  };

  // The camera loop runs across renders: it calls the latest check (gate, event, mode, bundle).
  const checkRef = useRef(check);
  checkRef.current = check;

  const onSubmit = (submitted: SyntheticEvent) => {
    submitted.preventDefault();
    void check(code);
  };

  const onPhoto = async (chosen: ChangeEvent<HTMLInputElement>) => {
    const file = chosen.target.files?.[0];
    chosen.target.value = '';
    if (!file) return;
    try {
      const found = await readImageFile(file);
      if (found.text) await check(found.text, found.decoder);
      else show('error', t.noQrFound, false, found.decoder);
    } catch (caught) {
      show('error', caught instanceof Error ? caught.message : String(caught), false, decoderName());
    }
  };

  const download = async () => {
    setDownloading(true);
    try {
      const opened = await downloadBundle(event);
      setOfflineGate(opened);
      setVerifies(await canVerifySignatures(opened.bundle));
      setShellReady(await keepShellOffline().catch(() => false));
      setProblem(null);
    } catch (caught) {
      setProblem(caught);
    } finally {
      setDownloading(false);
    }
  };

  // The camera: a frame every 250 ms through BarcodeDetector, or jsQR on a canvas copy.
  useEffect(() => {
    if (!camera) return;
    let stream: MediaStream | null = null;
    const state = { stopped: false };
    let last = '';
    const reader = createReader();
    const run = async () => {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      if (!video.current || state.stopped) {
        // Stopped while the browser was asking: the cleanup has run already, so turn the camera off here.
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      video.current.srcObject = stream;
      await video.current.play();
      while (!state.stopped) {
        const value = await reader.read(video.current);
        if (value && value !== last) {
          last = value;
          await checkRef.current(value, reader.decoder);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    run().catch((caught: unknown) => show('error', (caught as Error).message, false, reader.decoder));
    return () => {
      state.stopped = true;
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    // check is read through checkRef; show only sets state.
  }, [camera]);

  const hasCamera = 'mediaDevices' in navigator;
  return (
    <main className="scanner">
      <h1>{t.scanTitle}</h1>
      <p className={`network ${online ? 'up' : 'down'}`} data-testid="network">
        {online ? t.networkOnline : t.networkOffline}
        {offlineMode && ` · ${t.offlineTitle}`}
      </p>
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
        <div className="scan-sources">
          {hasCamera && (
            <button type="button" className="big" onClick={() => setCamera(!camera)}>
              {camera ? t.stopCamera : t.camera}
            </button>
          )}
          <label className="file-button big">
            {t.scanPhoto}
            <input type="file" accept="image/*" capture="environment" onChange={(e) => void onPhoto(e)} />
          </label>
        </div>
      </form>
      {camera && <video ref={video} className="camera" muted playsInline />}
      {verdict && (
        <output
          ref={verdictBox}
          className={`verdict big ${verdict.kind}`}
          data-testid="verdict"
          data-decoder={verdict.decoder}
          data-offline={verdict.offline}
          data-seq={verdict.seq}
          aria-live="assertive"
        >
          <span className="sign" aria-hidden="true">
            {SIGNS[verdict.kind]}
          </span>
          <strong>{t[HEADLINES[verdict.kind]]}</strong>
          {verdict.detail && <span>{verdict.detail}</span>}
          <small>
            {formatDate(verdict.at, locale)}
            {verdict.offline && ` · ${t.offlineTitle}`}
            {verdict.decoder !== 'typed' && ` · ${fill(t.decodedWith, { decoder: verdict.decoder })}`}
          </small>
        </output>
      )}
      <section className="card offline" aria-labelledby="offline-title">
        <h2 id="offline-title">{t.offlineTitle}</h2>
        <label className="check">
          <input
            type="checkbox"
            checked={offlineMode}
            onChange={(e) => {
              setOfflineMode(e.target.checked);
              localStorage.setItem('sbor.scanner.offline', e.target.checked ? '1' : '0');
            }}
          />
          {t.offlineMode}
        </label>
        <p data-testid="bundle-info" className="muted">
          {offlineGate
            ? fill(t.bundleInfo, {
                event: offlineGate.bundle.event_id,
                time: when(offlineGate.bundle.generated_at),
                issued: offlineGate.bundle.counts.issued,
                used: offlineGate.bundle.counts.used,
                cancelled: offlineGate.bundle.counts.cancelled,
              })
            : event > 0
              ? t.noBundle
              : t.needEventId}
        </p>
        {offlineGate && !verifies && <p className="error">{t.noSignatureCheck}</p>}
        {shellReady && <p className="muted">{t.shellOffline}</p>}
        <button type="button" className="big" disabled={!(event > 0) || downloading || !online} onClick={() => void download()}>
          {downloading ? t.downloadingOffline : t.downloadOffline}
        </button>
        <p className="queue">
          {t.syncQueued}: <b data-testid="queue-length">{pending}</b>
        </p>
        <button type="button" className="big" disabled={pending === 0 || syncing || !online} onClick={() => void sync()}>
          {syncing ? t.syncing : t.syncNow}
        </button>
        {syncResult && (
          <div data-testid="sync-result" role="status">
            {syncResult.map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
        )}
        <ErrorText error={problem} />
      </section>
    </main>
  );
}
