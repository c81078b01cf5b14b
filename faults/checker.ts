import type pg from 'pg';
import type { History, Operation } from './history.ts';
import type { Shop } from './workload.ts';

export interface InvariantResult {
  name: string;
  what: string;
  checked: number;
  violations: string[];
}

/** How an answer counts: a success, a clean failure, or a violation (with why). */
export type Verdict = { kind: 'success' } | { kind: 'clean'; why: string } | { kind: 'violation'; why: string };

/**
 * Which answers are clean (docs/faults.md, "Clean failures"):
 * - 2xx and 3xx succeed; 4xx are refusals the client can read (a problem, or the gateway's page);
 * - 503 from Sbor as a problem (the service says it cannot serve now: the database or the gateway
 *   is away) is clean;
 * - 502 and 504 from nginx (the api process died or did not answer in time) are clean: nginx
 *   retried what is idempotent, and the client retries a write only under an Idempotency-Key or
 *   when repeating it is safe (`retryable` in the history); a write sent without either has
 *   an unknown outcome by the client's own choice, which the invariants (not this verdict) judge;
 * - no answer (timeout, connection refused or reset) likewise;
 * - the gateway's own page answering 5xx is the gateway's, not Sbor's;
 * - anything else at 5xx is a violation: a 500 (an internal error), a 5xx that is not a problem,
 *   a 502 problem other than `payment-gateway-error` (the gateway said something it should not).
 */
export function verdict(operation: Operation): Verdict {
  const { status } = operation;
  if (status === 'timeout' || status === 'network') return { kind: 'clean', why: `no answer (${status})` };
  if (status < 400) return { kind: 'success' };
  if (status < 500) return { kind: 'clean', why: operation.problem ?? String(status) };
  if (operation.origin === 'gateway') return { kind: 'clean', why: `gateway page ${status}` };
  if (operation.origin === 'nginx' && (status === 502 || status === 504)) return { kind: 'clean', why: `nginx ${status}` };
  if (operation.origin === 'sbor' && status === 503 && operation.problem)
    return { kind: 'clean', why: `503 ${operation.problem}` };
  if (operation.origin === 'sbor' && status === 502 && operation.problem === 'payment-gateway-error') {
    return { kind: 'clean', why: '502 payment-gateway-error' };
  }
  return {
    kind: 'violation',
    why: `${status} ${operation.problem ?? operation.origin} on ${operation.method} ${operation.path}`,
  };
}

export interface GatewayPayment {
  status: string;
  amount: number;
  refunded: number;
  orderId: string;
}

export interface CheckInputs {
  db: pg.Pool;
  shop: Shop;
  history: History;
  /** The gateway's own record of a payment (undefined: it does not know it). */
  gatewayPayment(paymentId: string): Promise<GatewayPayment | undefined>;
}

const CAPTURED = new Set(['CONFIRMED', 'PARTIAL_REFUNDED', 'REFUNDED']);

/** Every invariant of docs/faults.md, read from the database, the gateway and the mailbox after the system settled. */
export async function checkInvariants(inputs: CheckInputs): Promise<InvariantResult[]> {
  const { db, shop, history } = inputs;
  const results: InvariantResult[] = [];
  const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;
  const add = (name: string, what: string, checked: number, violations: string[]) =>
    results.push({ name, what, checked, violations });
  const events = [shop.seatedEventId, shop.gaEventId];

  // 1. No seat in two live bookings.
  {
    const seats = await q<{ id: number; status: string; booking: number | null; booking_status: string | null }>(
      `select s.id, s.status, s.booking_id as booking, b.status as booking_status
       from sales.seats s left join sales.bookings b on b.id = s.booking_id where s.event_id = $1`,
      [shop.seatedEventId],
    );
    const violations: string[] = [];
    for (const seat of seats) {
      if (seat.status === 'SOLD' && !['CONFIRMED', 'COMPLETED'].includes(seat.booking_status ?? ''))
        violations.push(`seat ${seat.id} SOLD to booking ${seat.booking} which is ${seat.booking_status}`);
      if (seat.status === 'RESERVED' && !['CREATED', 'PENDING'].includes(seat.booking_status ?? ''))
        violations.push(`seat ${seat.id} RESERVED for booking ${seat.booking} which is ${seat.booking_status}`);
    }
    const foreign = await q<{ ticket: number; seat: number; booking: number; holder: number | null }>(
      `select t.id as ticket, t.seat_id as seat, t.booking_id as booking, s.booking_id as holder
       from tickets.tickets t join sales.seats s on s.id = t.seat_id
       where t.status <> 'cancelled' and t.event_id = $1 and (s.booking_id is distinct from t.booking_id or s.status <> 'SOLD')`,
      [shop.seatedEventId],
    );
    for (const row of foreign)
      violations.push(
        `ticket ${row.ticket} admits to seat ${row.seat} for booking ${row.booking}, but the seat is booking ${row.holder}'s`,
      );
    add('seat-one-booking', 'no seat in two live bookings (seat rows, and tickets that admit to them)', seats.length, violations);
  }

  // 2. Per event free + held + sold = total, as the shop reports it, and matching its bookings.
  {
    const violations: string[] = [];
    for (const eventId of events) {
      const response = await fetch(`${shop.base}/api/events/${eventId}/availability`);
      const body = (await response.json()) as { total?: number; free?: number; held?: number; sold?: number };
      const { total, free, held, sold } = body;
      if (response.status !== 200 || total === undefined || free === undefined || held === undefined || sold === undefined) {
        violations.push(`event ${eventId}: availability answered ${response.status} ${JSON.stringify(body)}`);
        continue;
      }
      if (free + held + sold !== total)
        violations.push(`event ${eventId}: free ${free} + held ${held} + sold ${sold} ≠ total ${total}`);
      const books = await q<{ sold: number; held: number }>(
        eventId === shop.seatedEventId
          ? `select count(*) filter (where b.status in ('CONFIRMED','COMPLETED'))::int as sold,
                    count(*) filter (where b.status in ('CREATED','PENDING') and b.expires_at > now())::int as held
             from sales.seats s join sales.bookings b on b.id = s.booking_id where s.event_id = $1`
          : `select coalesce(sum(quantity) filter (where status in ('CONFIRMED','COMPLETED')), 0)::int as sold,
                    coalesce(sum(quantity) filter (where status in ('CREATED','PENDING') and expires_at > now()), 0)::int as held
             from sales.bookings where event_id = $1`,
        [eventId],
      );
      const expected = books[0]!;
      if (expected.sold !== sold)
        violations.push(`event ${eventId}: sold ${sold}, but its confirmed bookings hold ${expected.sold}`);
      if (expected.held !== held)
        violations.push(`event ${eventId}: held ${held}, but its live unpaid bookings hold ${expected.held}`);
    }
    add('event-counts', 'per event free + held + sold = total, and sold/held match the bookings', events.length, violations);
  }

  // 3. GA sold ≤ quantity.
  {
    const types = await q<{ id: number; quantity: number; sold: number; held: number }>(
      `select id, quantity, sold, held from sales.ticket_types where event_id = $1`,
      [shop.gaEventId],
    );
    const violations = types
      .filter((type) => type.sold + type.held > type.quantity || type.sold < 0 || type.held < 0)
      .map((type) => `ticket type ${type.id}: sold ${type.sold} + held ${type.held} > quantity ${type.quantity}`);
    add('ga-not-oversold', 'general admission: sold + held ≤ quantity', types.length, violations);
  }

  // 4. Every payment the gateway captured ends CONFIRMED or refunded; none charged twice.
  {
    const rows = await q<{
      id: number;
      booking_id: number;
      gateway_payment_id: string;
      status: string;
      amount: number;
      refunded_amount: number;
      refunds_sent: number;
      booking_status: string | null;
    }>(
      // refunded_amount counts a refund from when it is owed; refunds_sent, from when the gateway took it.
      `select p.id, p.booking_id, p.gateway_payment_id, p.status, p.amount::float8 as amount, p.refunded_amount::float8 as refunded_amount,
              (select coalesce(sum(r.amount), 0) from payments.refunds r where r.payment_id = p.id and r.status = 'SUCCEEDED')::float8 as refunds_sent,
              b.status as booking_status
       from payments.payments p left join sales.bookings b on b.id = p.booking_id and p.order_kind = 'booking'
       where p.event_id = any($1)`,
      [events],
    );
    const byGatewayId = new Map(rows.map((row) => [row.gateway_payment_id, row]));
    const ids = new Set([
      ...byGatewayId.keys(),
      ...history.claims.flatMap((claim) => (claim.paymentId ? [claim.paymentId] : [])),
    ]);
    const violations: string[] = [];
    const keptPerBooking = new Map<number, string[]>();
    for (const paymentId of ids) {
      const gateway = await inputs.gatewayPayment(paymentId);
      const ours = byGatewayId.get(paymentId);
      if (!gateway) {
        if (ours && CAPTURED.has(ours.status))
          violations.push(`${paymentId}: Sbor says ${ours.status}, the gateway does not know it`);
        continue;
      }
      if (gateway.status === 'AUTHORIZED' || gateway.status === 'AUTHORIZING')
        violations.push(
          `${paymentId}: money still ${gateway.status} at the gateway after settling (neither captured nor released)`,
        );
      if (!CAPTURED.has(gateway.status)) {
        if (ours && CAPTURED.has(ours.status))
          violations.push(`${paymentId}: Sbor says ${ours.status}, the gateway says ${gateway.status}`);
        continue;
      }
      if (!ours) {
        violations.push(`${paymentId}: captured by the gateway (${gateway.status}), unknown to Sbor`);
        continue;
      }
      const kept = gateway.amount - gateway.refunded;
      if (kept > 0) {
        const owed = ours.refunded_amount - ours.refunds_sent;
        if (!['CONFIRMED', 'COMPLETED'].includes(ours.booking_status ?? ''))
          violations.push(
            `${paymentId}: ${kept} captured and kept, booking ${ours.booking_id} is ${ours.booking_status}` +
              (owed > 0 ? ` (a refund of ${owed} owed, not yet taken by the gateway)` : ''),
          );
        keptPerBooking.set(ours.booking_id, [...(keptPerBooking.get(ours.booking_id) ?? []), paymentId]);
      }
      if (ours.refunds_sent !== gateway.refunded)
        violations.push(`${paymentId}: Sbor recorded ${ours.refunds_sent} refunded, the gateway ${gateway.refunded}`);
    }
    for (const [bookingId, payments] of keptPerBooking) {
      if (payments.length > 1) violations.push(`booking ${bookingId} charged ${payments.length} times: ${payments.join(', ')}`);
    }
    const confirmedUnpaid = await q<{ id: number }>(
      `select b.id from sales.bookings b where b.event_id = any($1) and b.status in ('CONFIRMED','COMPLETED') and b.total_amount > 0
         and not exists (select 1 from payments.payments p where p.order_kind = 'booking' and p.booking_id = b.id and p.status = 'CONFIRMED')`,
      [events],
    );
    for (const row of confirmedUnpaid) violations.push(`booking ${row.id} CONFIRMED without a captured payment`);
    add(
      'payments-settled',
      'every captured payment ends in a CONFIRMED booking or a refund; none charged twice',
      ids.size,
      violations,
    );
  }

  // 5. Exactly one ticket per sold seat / GA unit; every CONFIRMED booking has its tickets.
  {
    const rows = await q<{ id: number; status: string; expected: number; active: number; dup: number }>(
      `select b.id, b.status,
         case when b.ticket_type_id is null
              then (select count(*) from sales.seats s where s.booking_id = b.id and s.status = 'SOLD')
              else b.quantity end::int as expected,
         (select count(*) from tickets.tickets t where t.booking_id = b.id and t.status <> 'cancelled')::int as active,
         (select count(*) - count(distinct coalesce(t.seat_id, -t.unit_no)) from tickets.tickets t where t.booking_id = b.id)::int as dup
       from sales.bookings b where b.event_id = any($1)`,
      [events],
    );
    const violations: string[] = [];
    for (const row of rows) {
      const live = ['CONFIRMED', 'COMPLETED'].includes(row.status);
      if (live && row.active !== row.expected)
        violations.push(`booking ${row.id} (${row.status}): ${row.active} tickets for ${row.expected} seats/units`);
      if (!live && row.active > 0) violations.push(`booking ${row.id} (${row.status}) still has ${row.active} valid tickets`);
      if (row.dup > 0) violations.push(`booking ${row.id}: ${row.dup} tickets issued twice for one seat/unit`);
    }
    add(
      'tickets',
      'one ticket per sold seat or unit; every CONFIRMED booking has its tickets; none for others',
      rows.length,
      violations,
    );
  }

  // 6. No consumer effect applied twice.
  {
    const violations: string[] = [];
    const confirmations = await q<{ id: string; events: number; moves: number }>(
      `select b.id::text, (select count(*) from platform.outbox o where o.type = 'booking.confirmed' and o.aggregate_id = b.id::text)::int as events,
              (select count(*) from sales.booking_audit a where a.booking_id = b.id and a.to_status = 'CONFIRMED')::int as moves
       from sales.bookings b where b.event_id = any($1)`,
      [events],
    );
    for (const row of confirmations)
      if (row.events !== row.moves)
        violations.push(`booking ${row.id}: ${row.events} booking.confirmed events for ${row.moves} confirmations`);
    const succeeded = await q<{ id: string; n: number }>(
      `select aggregate_id as id, count(*)::int as n from platform.outbox where type = 'payment.succeeded' group by aggregate_id having count(*) > 1`,
    );
    for (const row of succeeded) violations.push(`payment ${row.id}: payment.succeeded ${row.n} times`);
    const refunds = await q<{ payment_id: number; n: number; causes: number }>(
      `select r.payment_id, count(*)::int as n,
              (select count(*) from platform.outbox o where o.aggregate_id = r.booking_id::text
                 and (o.type = 'booking.seats-returned' or (o.type = 'booking.cancelled' and (o.payload->>'refund')::boolean)))::int as causes
       from payments.refunds r where r.order_kind = 'booking' group by r.payment_id, r.booking_id`,
    );
    for (const row of refunds)
      if (row.n > Math.max(1, row.causes))
        violations.push(`payment ${row.payment_id}: ${row.n} refunds for ${row.causes} refund events`);
    const messages = await q<{ source: number; user_id: number; kind: string; n: number }>(
      `select source_event_id as source, user_id, kind, count(*)::int as n from notifications.messages
       group by source_event_id, user_id, kind having count(*) > 1`,
    );
    for (const row of messages)
      violations.push(`event ${row.source}: message ${row.kind} to user ${row.user_id} made ${row.n} times`);
    const inbox = await q<{ n: number }>(`select count(*)::int as n from platform.inbox`);
    add(
      'effects-once',
      'no consumer effect applied twice (confirmations, payment events, refunds, messages)',
      inbox[0]!.n,
      violations,
    );
  }

  // 7. No duplicate email per (event, user, channel).
  {
    const rows = await q<{ source: number; user_id: number; channel: string; n: number }>(
      `select d.source_event_id as source, d.user_id, m.channel, count(*)::int as n
       from notifications.mailbox m join notifications.deliveries d on d.id = m.delivery_id
       group by d.source_event_id, d.user_id, m.channel having count(*) > 1`,
    );
    const total = await q<{ n: number }>(`select count(*)::int as n from notifications.mailbox`);
    add(
      'emails-once',
      'no duplicate email per (event, user, channel) in the mailbox',
      total[0]!.n,
      rows.map((row) => `event ${row.source}: ${row.n} ${row.channel} messages to user ${row.user_id}`),
    );
  }

  // 8. The outbox backlog returns to 0; dead letters explained (none expected: each is listed).
  {
    const backlog = await q<{ n: number }>(`select count(*)::int as n from platform.outbox where published_at is null`);
    const dead = await q<{ consumer: string; event_id: number; type: string; error: string }>(
      `select consumer, event_id, type, error from platform.dead_letters order by id`,
    );
    const total = await q<{ n: number }>(`select count(*)::int as n from platform.outbox`);
    add('outbox-drained', 'the outbox backlog returns to 0 and no event is in dead letters', total[0]!.n, [
      ...(backlog[0]!.n > 0 ? [`${backlog[0]!.n} events never published`] : []),
      ...dead.map((row) => `dead letter: ${row.consumer} ${row.type} #${row.event_id}: ${row.error.slice(0, 160)}`),
    ]);
  }

  // 9. Same Idempotency-Key → one booking.
  {
    const violations: string[] = [];
    const perKey = new Map<string, Set<number>>();
    for (const operation of history.operations) {
      if (!operation.idempotencyKey || operation.status !== 201 || operation.bookingId === undefined) continue;
      const seen = perKey.get(operation.idempotencyKey) ?? new Set();
      seen.add(operation.bookingId);
      perKey.set(operation.idempotencyKey, seen);
    }
    for (const [key, bookings] of perKey)
      if (bookings.size > 1) violations.push(`key ${key}: answered with bookings ${[...bookings].join(', ')}`);
    let checked = perKey.size;
    for (const buyer of shop.buyers.filter((candidate) => candidate.usesKeys)) {
      const rows = await q<{ n: number }>(`select count(*)::int as n from sales.bookings where user_id = $1`, [buyer.userId]);
      checked += 1;
      if (rows[0]!.n > buyer.keys.size)
        violations.push(`${buyer.name} sent ${buyer.keys.size} keys and has ${rows[0]!.n} bookings (a retry made a second one)`);
    }
    add('idempotency', 'a request retried under one Idempotency-Key made at most one booking', checked, violations);
  }

  // 10. Every answered request succeeded or failed cleanly.
  {
    const violations = history.operations.flatMap((operation) => {
      const judged = verdict(operation);
      return judged.kind === 'violation'
        ? [`${judged.why} (request ${operation.requestId}, faults: ${operation.faults.join('+') || 'none'})`]
        : [];
    });
    add(
      'clean-answers',
      'every answer a success or a clean failure (no 5xx without a retry path)',
      history.operations.length,
      violations,
    );
  }
  return results;
}
