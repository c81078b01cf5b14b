import type { Kysely, Transaction } from 'kysely';
import QRCode from 'qrcode';
import { addEvent } from '../../platform/bus/index.ts';
import type { Principal } from '../../platform/http/access.ts';
import { currentRequestId } from '../../platform/context/request-context.ts';
import type { CodeClaims, PublicKeyView, TicketCodes } from './tickets.codes.ts';
import {
  codeForged,
  codeUnknown,
  notScanner,
  scanIdReused,
  ticketAlreadyUsed,
  ticketCancelled,
  ticketNotFound,
  ticketOtherEvent,
} from './tickets.errors.ts';
import type { IssuedTicket } from './tickets.events.ts';
import {
  asTickets,
  cancelTickets,
  checkinsOverTime,
  checkinsPerGate,
  checkInOnline,
  findCheckinByScanId,
  findTicket,
  insertCheckin,
  insertTickets,
  isScanIdTaken,
  listTicketsOfHolder,
  markUsed,
  nextTicketIds,
  revokedTickets,
  ticketCounts,
  ticketsDb,
  usedTickets,
  type TicketRow,
  type TicketsDb,
} from './tickets.repository.ts';
import type { TicketStatus, TicketsTables } from './tickets.tables.ts';

/** What tickets need to know about a confirmed booking's inventory; sales provides it. */
export interface InventoryGateway {
  /** Seat and ticket-type details, read through the caller's transaction (a bus consumer's). */
  describe(
    trx: Transaction<object>,
    seatIds: number[],
    ticketTypeId: number | null,
  ): Promise<{
    seats: { id: number; row: number; number: number; zone: string }[];
    ticketType: { id: number; name: string } | null;
  }>;
}

export interface EventSummary {
  id: number;
  title: string;
  venue: string;
  starts_at: string;
  /** The venue's IANA time zone. */
  timezone: string;
  status: string;
}

/** What tickets need from the catalog: event details and who may scan for an event. */
export interface EventDirectory {
  find(eventId: number): Promise<EventSummary | undefined>;
  /** Owner, manager or scanner of the event's organizer team, or an admin. */
  canScan(principal: Principal, eventId: number): Promise<boolean>;
}

/** The booking a ticket batch is issued for (the booking.confirmed payload). */
export interface ConfirmedBooking {
  bookingId: number;
  eventId: number;
  userId: number;
  seatIds: number[];
  ticketTypeId: number | null;
  quantity: number;
}

export type InvalidReason = 'unknown' | 'forged' | 'cancelled' | 'already-used' | 'other-event';

export interface TicketView {
  id: number;
  status: TicketStatus;
  event_id: number;
  booking_id: number;
  holder_user_id: number;
  seat: { id: number; row: number | null; number: number | null; zone: string | null } | null;
  ticket_type: { id: number; name: string | null } | null;
  code: string;
  code_version: number;
  issued_at: string;
  used_at: string | null;
  used_gate: string | null;
  cancelled_at: string | null;
  event?: EventSummary | null;
}

export interface Validation {
  valid: boolean;
  reason: InvalidReason | null;
  used_at: string | null;
  gate: string | null;
  ticket: TicketView | null;
}

export interface CheckinResult {
  checked_in: true;
  /** True when this scan id had already checked the ticket in (a retry): nothing changed. */
  replayed: boolean;
  used_at: string;
  gate: string;
  ticket: TicketView;
}

export interface OfflineCheckin {
  code: string;
  gate: string;
  scan_id: string;
  scanned_at: string;
}

export interface SyncReport {
  accepted: { scan_id: string; ticket_id: number }[];
  duplicates: { scan_id: string; ticket_id: number }[];
  conflicts: {
    scan_id: string;
    ticket_id: number;
    gate: string;
    scanned_at: string;
    first: { gate: string; used_at: string; scan_id: string | null };
  }[];
  rejected: { scan_id: string; ticket_id: number | null; reason: InvalidReason }[];
}

/** Team permission answers are kept this long per (user, event): a removed scanner stops within it. */
const PERMISSION_CACHE_MS = 5_000;
const PERMISSION_CACHE_MAX = 10_000;

/**
 * Tickets' use cases along its banners: issuance and cancellation (bus consumers), holders,
 * scanning, offline scanners. Over 500 lines on purpose: every part reads and writes the same
 * ticket rows under the same codes and scan permission cache, and the scanning paths share the
 * internals at the bottom; split it when one of the banners grows a state of its own.
 */
export class TicketsService {
  private readonly db: TicketsDb;
  private readonly codes: TicketCodes;
  private readonly inventory: InventoryGateway;
  private readonly events: EventDirectory;
  private readonly scanners = new Map<string, { allowed: boolean; until: number }>();

  constructor(db: Kysely<object>, codes: TicketCodes, inventory: InventoryGateway, events: EventDirectory) {
    this.db = ticketsDb(db);
    this.codes = codes;
    this.inventory = inventory;
    this.events = events;
  }

  // ── Issuance and cancellation (bus consumers; `trx` is the inbox transaction) ───────────────

  /** One ticket per seat or GA unit; a second delivery of the same booking inserts nothing. */
  async issueForBooking(outer: Transaction<object>, booking: ConfirmedBooking): Promise<number> {
    const trx = asTickets(outer);
    const gaUnits = booking.ticketTypeId === null ? 0 : booking.quantity;
    const count = booking.seatIds.length + gaUnits;
    if (count === 0) return 0;
    const { seats, ticketType } = await this.inventory.describe(outer, booking.seatIds, booking.ticketTypeId);
    const ids = await nextTicketIds(trx, count);
    const nextId = () => {
      const id = ids.shift();
      if (id === undefined) throw new Error('The ticket sequence returned too few ids');
      return id;
    };
    const seatById = new Map(seats.map((seat) => [seat.id, seat]));
    const sign = (id: number) => this.codes.sign({ ticketId: id, eventId: booking.eventId, version: 1 });
    const common = { event_id: booking.eventId, booking_id: booking.bookingId, holder_user_id: booking.userId };
    const rows = [
      ...booking.seatIds.map((seatId) => {
        const seat = seatById.get(seatId);
        const id = nextId();
        return {
          ...common,
          id,
          code: sign(id),
          seat_id: seatId,
          seat_row: seat?.row ?? null,
          seat_number: seat?.number ?? null,
          zone: seat?.zone ?? null,
          ticket_type_id: null,
          ticket_type_name: null,
          unit_no: null,
        };
      }),
      ...Array.from({ length: gaUnits }, (_, unit) => {
        const id = nextId();
        return {
          ...common,
          id,
          code: sign(id),
          seat_id: null,
          seat_row: null,
          seat_number: null,
          zone: null,
          ticket_type_id: booking.ticketTypeId,
          ticket_type_name: ticketType?.name ?? null,
          unit_no: unit + 1,
        };
      }),
    ];
    const inserted = new Set(await insertTickets(trx, rows));
    const issued: IssuedTicket[] = rows
      .filter((row) => inserted.has(row.id))
      .map((row) => ({
        id: row.id,
        code: row.code,
        seatId: row.seat_id,
        row: row.seat_row,
        number: row.seat_number,
        zone: row.zone,
        ticketTypeId: row.ticket_type_id,
        ticketTypeName: row.ticket_type_name,
      }));
    if (issued.length > 0) {
      await addEvent(trx, 'ticket.purchased', bookingAggregate(booking.bookingId), {
        bookingId: booking.bookingId,
        eventId: booking.eventId,
        userId: booking.userId,
        tickets: issued,
      });
    }
    return issued.length;
  }

  async cancelBooking(trx: Transaction<object>, bookingId: number, reason: string): Promise<number> {
    return this.cancel(asTickets(trx), { bookingId }, reason);
  }

  async cancelEvent(trx: Transaction<object>, eventId: number, reason: string): Promise<number> {
    return this.cancel(asTickets(trx), { eventId }, reason);
  }

  /**
   * The hook for partial refunds: cancels the tickets of some seats of a booking. Payments calls
   * it from its consumer of a partial-refund event (see docs/tickets.md).
   */
  async cancelSeats(trx: Transaction<object>, bookingId: number, seatIds: number[], reason: string): Promise<number> {
    return this.cancel(asTickets(trx), { bookingId, seatIds }, reason);
  }

  private async cancel(
    trx: Transaction<TicketsTables>,
    where: { bookingId?: number; eventId?: number; seatIds?: number[] },
    reason: string,
  ): Promise<number> {
    const cancelled = await cancelTickets(trx, where, reason);
    const byBooking = Map.groupBy(cancelled, (ticket) => ticket.booking_id);
    for (const [bookingId, tickets] of byBooking) {
      const [first] = tickets;
      if (!first) continue;
      await addEvent(trx, 'ticket.cancelled', bookingAggregate(bookingId), {
        eventId: first.event_id,
        bookingId,
        ticketIds: tickets.map((ticket) => ticket.id),
        reason,
      });
    }
    return cancelled.length;
  }

  // ── Holders ───────────────────────────────────────────────────────────────────────────────────

  async myTickets(
    principal: Principal,
    filter: { eventId?: number; status?: TicketStatus; page: number; pageSize: number },
  ): Promise<TicketView[]> {
    const rows = await listTicketsOfHolder(this.db, principal.userId, {
      ...(filter.eventId !== undefined ? { eventId: filter.eventId } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      limit: filter.pageSize,
      offset: (filter.page - 1) * filter.pageSize,
    });
    const events = new Map<number, EventSummary | null>();
    for (const eventId of new Set(rows.map((row) => row.event_id))) {
      events.set(eventId, (await this.events.find(eventId)) ?? null);
    }
    return rows.map((row) => ({ ...view(row), event: events.get(row.event_id) ?? null }));
  }

  /** The holder, or the event's organizer team (and admins); to others it does not exist. */
  async get(principal: Principal, ticketId: number): Promise<TicketView> {
    const row = await this.visibleTicket(principal, ticketId);
    return { ...view(row), event: (await this.events.find(row.event_id)) ?? null };
  }

  async qr(principal: Principal, ticketId: number, format: 'svg' | 'png'): Promise<string | Buffer> {
    const row = await this.visibleTicket(principal, ticketId);
    const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
    return format === 'svg'
      ? QRCode.toString(row.code, { ...options, type: 'svg' })
      : QRCode.toBuffer(row.code, { ...options, type: 'png', width: 320 });
  }

  // ── Scanning ──────────────────────────────────────────────────────────────────────────────────

  async validate(principal: Principal, code: string, eventId?: number): Promise<Validation> {
    const claims = await this.authorizeScan(principal, code, eventId);
    if (!claims) return refusal('forged', null);
    if (eventId !== undefined && claims.eventId !== eventId) return refusal('other-event', null);
    const row = await findTicket(this.db, claims.ticketId);
    if (!row || row.event_id !== claims.eventId || row.code_version !== claims.version) return refusal('unknown', null);
    const ticket = view(row);
    if (row.status === 'cancelled') return refusal('cancelled', ticket);
    if (row.status === 'used') {
      return { valid: false, reason: 'already-used', used_at: ticket.used_at, gate: row.used_gate, ticket };
    }
    return { valid: true, reason: null, used_at: null, gate: null, ticket };
  }

  async checkin(
    principal: Principal,
    code: string,
    scan: { gate: string; scanId: string; eventId?: number },
  ): Promise<CheckinResult> {
    const claims = await this.authorizeScan(principal, code, scan.eventId);
    if (!claims) throw codeForged();
    if (scan.eventId !== undefined && claims.eventId !== scan.eventId) throw ticketOtherEvent(claims.eventId);
    // One statement (mark used, log, outbox row): one round trip for the scan that admits.
    const used = await checkInOnline(this.db, claims, {
      gate: scan.gate,
      scanId: scan.scanId,
      scannerUserId: principal.userId,
      requestId: currentRequestId(),
    }).catch((error: unknown) => {
      throw isScanIdTaken(error) ? scanIdReused() : error;
    });
    if (used) {
      return { checked_in: true, replayed: false, used_at: usage(used).at.toISOString(), gate: scan.gate, ticket: view(used) };
    }
    // Not admitted: read the ticket to say why (its own first scan again, used, cancelled, unknown).
    const row = await findTicket(this.db, claims.ticketId);
    if (!row || row.event_id !== claims.eventId || row.code_version !== claims.version) throw codeUnknown(claims.ticketId);
    if (row.status === 'cancelled') throw ticketCancelled(row.id);
    const first = usage(row);
    if (first.scanId === scan.scanId) {
      return { checked_in: true, replayed: true, used_at: first.at.toISOString(), gate: first.gate, ticket: view(row) };
    }
    throw ticketAlreadyUsed(row.id, first.at, first.gate);
  }

  // ── Offline scanners and the organizer ───────────────────────────────────────────────────────

  async bundle(principal: Principal, eventId: number) {
    await this.requireScanner(principal, eventId);
    const [counts, revoked, used, generatedAt] = [
      await ticketCounts(this.db, eventId),
      await revokedTickets(this.db, eventId),
      await usedTickets(this.db, eventId),
      new Date(),
    ];
    return {
      event_id: eventId,
      generated_at: generatedAt.toISOString(),
      code_format: 1,
      public_keys: this.codes.publicKeys(),
      counts: { issued: counts.active + counts.used + counts.cancelled, ...counts },
      revoked: revoked.map((ticket) => ({ ticket_id: ticket.id, code: ticket.code })),
      used: used.map((ticket) => ({ ticket_id: ticket.id, used_at: usage(ticket).at.toISOString(), gate: usage(ticket).gate })),
    };
  }

  /**
   * Check-ins an offline scanner made, in one transaction. Each is accepted, a duplicate (its scan
   * id is already recorded: a retried sync), a conflict (the ticket was already used elsewhere:
   * both records are kept) or rejected (forged, unknown, another event, cancelled).
   */
  async sync(principal: Principal, eventId: number, checkins: OfflineCheckin[]): Promise<SyncReport> {
    await this.requireScanner(principal, eventId);
    const verified = await Promise.all(
      checkins.map(async (checkin) => ({ checkin, claims: await this.codes.verify(checkin.code) })),
    );
    const report: SyncReport = { accepted: [], duplicates: [], conflicts: [], rejected: [] };
    await this.db.transaction().execute(async (trx) => {
      for (const { checkin, claims } of verified) {
        const scan = { scan_id: checkin.scan_id };
        if (!claims) {
          report.rejected.push({ ...scan, ticket_id: null, reason: 'forged' });
          continue;
        }
        if (claims.eventId !== eventId) {
          report.rejected.push({ ...scan, ticket_id: null, reason: 'other-event' });
          continue;
        }
        const known = await findCheckinByScanId(trx, checkin.scan_id);
        if (known) {
          report.duplicates.push({ ...scan, ticket_id: known.ticket_id });
          continue;
        }
        const record = {
          event_id: eventId,
          gate: checkin.gate,
          scan_id: checkin.scan_id,
          scanned_at: new Date(checkin.scanned_at),
          source: 'offline' as const,
          scanner_user_id: principal.userId,
        };
        const used = await markUsed(trx, claims, {
          gate: checkin.gate,
          scanId: checkin.scan_id,
          at: new Date(checkin.scanned_at),
        });
        if (used) {
          await insertCheckin(trx, { ...record, ticket_id: used.id, outcome: 'accepted', reason: null });
          await addEvent(trx, 'ticket.checkin', ticketAggregate(used.id), checkinPayload(used, 'offline'));
          report.accepted.push({ ...scan, ticket_id: used.id });
          continue;
        }
        const row = await findTicket(trx, claims.ticketId);
        if (!row || row.event_id !== claims.eventId || row.code_version !== claims.version) {
          report.rejected.push({ ...scan, ticket_id: null, reason: 'unknown' });
        } else if (row.used_scan_id === checkin.scan_id) {
          report.duplicates.push({ ...scan, ticket_id: row.id });
        } else if (row.status === 'cancelled') {
          await insertCheckin(trx, { ...record, ticket_id: row.id, outcome: 'rejected', reason: 'cancelled' });
          report.rejected.push({ ...scan, ticket_id: row.id, reason: 'cancelled' });
        } else {
          // Used already (online, or by an earlier scan in this or another sync): keep this record too.
          await insertCheckin(trx, { ...record, ticket_id: row.id, outcome: 'conflict', reason: 'already-used' });
          report.conflicts.push({
            ...scan,
            ticket_id: row.id,
            gate: checkin.gate,
            scanned_at: record.scanned_at.toISOString(),
            first: { gate: usage(row).gate, used_at: usage(row).at.toISOString(), scan_id: row.used_scan_id },
          });
        }
      }
    });
    return report;
  }

  async stats(principal: Principal, eventId: number, bucketMinutes: number) {
    await this.requireScanner(principal, eventId);
    const counts = await ticketCounts(this.db, eventId);
    const gates = await checkinsPerGate(this.db, eventId);
    const overTime = await checkinsOverTime(this.db, eventId, bucketMinutes);
    return {
      event_id: eventId,
      issued: counts.active + counts.used,
      checked_in: counts.used,
      cancelled: counts.cancelled,
      conflicts: gates.reduce((sum, gate) => sum + gate.conflicts, 0),
      bucket_minutes: bucketMinutes,
      per_gate: gates,
      over_time: overTime.map((bucket) => ({ bucket_start: bucket.bucket_start.toISOString(), checked_in: bucket.checked_in })),
    };
  }

  publicKeys(): PublicKeyView[] {
    return this.codes.publicKeys();
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────────

  /**
   * Verifies the code and checks the caller may scan for the event it names (the signed event id,
   * or the scanner's `eventId`). Authorization comes before any ticket lookup, so a stranger learns
   * only whether a code is authentic — which the public key tells anyone anyway.
   */
  private async authorizeScan(principal: Principal, code: string, eventId: number | undefined): Promise<CodeClaims | undefined> {
    if (eventId !== undefined) await this.requireScanner(principal, eventId);
    const claims = await this.codes.verify(code);
    if (!claims) return undefined;
    if (eventId === undefined) await this.requireScanner(principal, claims.eventId);
    return claims;
  }

  private async requireScanner(principal: Principal, eventId: number): Promise<void> {
    if (!(await this.mayScan(principal, eventId))) throw notScanner();
  }

  private async mayScan(principal: Principal, eventId: number): Promise<boolean> {
    if (principal.role === 'admin') return true;
    const key = `${String(principal.userId)}:${String(eventId)}`;
    const cached = this.scanners.get(key);
    if (cached && cached.until > Date.now()) return cached.allowed;
    const allowed = await this.events.canScan(principal, eventId);
    if (this.scanners.size >= PERMISSION_CACHE_MAX) this.scanners.clear();
    this.scanners.set(key, { allowed, until: Date.now() + PERMISSION_CACHE_MS });
    return allowed;
  }

  private async visibleTicket(principal: Principal, ticketId: number): Promise<TicketRow> {
    const row = await findTicket(this.db, ticketId);
    if (!row) throw ticketNotFound();
    if (row.holder_user_id === principal.userId || (await this.mayScan(principal, row.event_id))) return row;
    throw ticketNotFound();
  }
}

/**
 * Outbox aggregate ids are one shared text column: ours are prefixed so a ticket or a booking's
 * tickets never read as the sales booking (or another module's row) with the same number.
 */
const bookingAggregate = (bookingId: number) => `booking:${String(bookingId)}`;
const ticketAggregate = (ticketId: number) => `ticket:${String(ticketId)}`;

/** When, where and by which scan a used ticket was let in (the table's checks guarantee them). */
function usage(row: { id: number; used_at: Date | null; used_gate: string | null; used_scan_id: string | null }) {
  if (!row.used_at || row.used_gate === null || row.used_scan_id === null)
    throw new Error(`Ticket ${String(row.id)} is not used`);
  return { at: row.used_at, gate: row.used_gate, scanId: row.used_scan_id };
}

function refusal(reason: InvalidReason, ticket: TicketView | null): Validation {
  return { valid: false, reason, used_at: null, gate: null, ticket };
}

function checkinPayload(ticket: TicketRow, source: 'online' | 'offline') {
  return {
    ticketId: ticket.id,
    eventId: ticket.event_id,
    bookingId: ticket.booking_id,
    holderUserId: ticket.holder_user_id,
    gate: usage(ticket).gate,
    scanId: usage(ticket).scanId,
    usedAt: usage(ticket).at.toISOString(),
    source,
  };
}

export function view(row: TicketRow): TicketView {
  return {
    id: row.id,
    status: row.status,
    event_id: row.event_id,
    booking_id: row.booking_id,
    holder_user_id: row.holder_user_id,
    seat: row.seat_id === null ? null : { id: row.seat_id, row: row.seat_row, number: row.seat_number, zone: row.zone },
    ticket_type: row.ticket_type_id === null ? null : { id: row.ticket_type_id, name: row.ticket_type_name },
    code: row.code,
    code_version: row.code_version,
    issued_at: row.issued_at.toISOString(),
    used_at: row.used_at?.toISOString() ?? null,
    used_gate: row.used_gate,
    cancelled_at: row.cancelled_at?.toISOString() ?? null,
  };
}
