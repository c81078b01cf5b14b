import { useI18n } from '../i18n.ts';

// Whether an event sells tickets now, and the words for when it does not. The attendee pages offer
// Buy, seats and the waitlist only for an event on sale; every other state is said instead.

export type SaleState = 'on-sale' | 'cancelled' | 'ended' | 'started' | 'draft';

export interface SaleFacts {
  status: string;
  starts_at: string;
  ends_at?: string | null;
}

/**
 * A published event is on sale until it starts (the API would sell until the catalog marks it
 * completed, a few hours later; the app stops at the start).
 */
export function saleStateOf(event: SaleFacts, now = Date.now()): SaleState {
  if (event.status === 'CANCELLED') return 'cancelled';
  if (event.status === 'DRAFT') return 'draft';
  if (event.status === 'COMPLETED' || (event.ends_at && Date.parse(event.ends_at) <= now)) return 'ended';
  if (Date.parse(event.starts_at) <= now) return 'started';
  return 'on-sale';
}

/** A ticket type sells only inside its own window (sales_start, sales_end) when it has one. */
export function ticketWindowOf(type: { sales_start: string | null; sales_end: string | null }, now = Date.now()) {
  if (type.sales_start && Date.parse(type.sales_start) > now) return 'not-yet';
  if (type.sales_end && Date.parse(type.sales_end) <= now) return 'closed';
  return 'open';
}

/** A short label on an event card; nothing for an event on sale. */
export function SaleBadge(props: { event: SaleFacts }) {
  const { t } = useI18n();
  const state = saleStateOf(props.event);
  if (state === 'on-sale') return null;
  return (
    <span className={`pill sale-state sale-${state}`} data-testid="event-state">
      {t[SALE_WORDS[state].label]}
    </span>
  );
}

/** The event page's notice in place of tickets and seats. */
export function SaleNotice(props: { state: Exclude<SaleState, 'on-sale'> }) {
  const { t } = useI18n();
  const words = SALE_WORDS[props.state];
  return (
    <section className={`card sale-notice sale-${props.state}`} role="status" data-testid="event-state">
      <p>
        <b>{t[words.label]}.</b> {t[words.note]}
      </p>
    </section>
  );
}

const SALE_WORDS = {
  cancelled: { label: 'saleCancelled', note: 'saleCancelledNote' },
  ended: { label: 'saleEnded', note: 'saleEndedNote' },
  started: { label: 'saleStarted', note: 'saleStartedNote' },
  draft: { label: 'saleDraft', note: 'saleDraftNote' },
} as const;
