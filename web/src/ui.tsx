import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';
import { useI18n, type Locale, type Strings } from './i18n.ts';
import { problemText } from './problems.ts';
import { linkHandler } from './router.ts';

export function Link(props: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={props.to} onClick={linkHandler(props.to)} className={props.className}>
      {props.children}
    </a>
  );
}

/** What went wrong, in the person's language (problems.ts): for an API problem, a failed fetch, or any error. */
export function errorWords(error: unknown, locale: Locale, t: Strings): string {
  if (error instanceof ApiError)
    return problemText({ status: error.status, code: error.code, detail: error.message, members: error.problem }, locale);
  if (error instanceof TypeError && /fetch|network/i.test(error.message))
    return problemText({ status: 0, code: 'network-error', detail: error.message }, locale);
  return error instanceof Error ? error.message : t.error;
}

/**
 * An API error in words, in the app's language: the problem code's sentence from problems.ts or
 * the API's detail, by the rule at the top of that file. A failed fetch says the server is out of reach.
 */
export function ErrorText(props: { error: unknown }) {
  const { t, locale } = useI18n();
  if (!props.error) return null;
  const message = errorWords(props.error, locale, t);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/**
 * Loads once (and again when `deps` change); `reload` refetches; `every` polls. Only the latest
 * request's answer is kept: an older one finishing late is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], every?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const request = ++latest.current;
    try {
      const loaded = await run();
      if (request !== latest.current) return;
      setData(loaded);
      setError(null);
    } catch (caught) {
      if (request === latest.current) setError(caught);
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => {
    if (!every) return;
    const timer = window.setInterval(() => void reload(), every);
    return () => window.clearInterval(timer);
  }, [reload, every]);
  return { data, error, reload };
}

/** Seconds until `until`, ticking every second; null without a deadline. */
export function useCountdown(until: string | null | undefined): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, []);
  if (!until) return null;
  return Math.max(0, Math.ceil((new Date(until).getTime() - now) / 1000));
}

export function formatSeconds(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export function formatDate(iso: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(
    new Date(iso),
  );
}

/** Runs an action with a busy flag; its error is kept for ErrorText. Resolves whether it succeeded. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
