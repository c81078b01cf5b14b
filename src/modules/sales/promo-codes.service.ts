import { randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import { priceWithPromo, type PriceBreakdown, type PricedTicket } from './promo-codes.pricing.ts';
import {
  claimPromoUse,
  findPromoCodeByCode,
  findPromoCodeById,
  idsNotOfEvent,
  insertPromoCodes,
  listPromoCodes,
  updatePromoCode,
  type PromoCodeRow,
  type PromoCodeValues,
} from './promo-codes.repository.ts';
import type { SaleEvents } from './sale-events.ts';
import {
  promoCodeExists,
  promoCodeExpired,
  promoCodeInactive,
  promoCodeNotApplicable,
  promoCodeNotFound,
  promoCodeNotYetValid,
  promoCodeUnknown,
  promoCodeUsedUp,
  promoDiscountInvalid,
  promoLimitNotOfEvent,
  promoMaxUsesBelowUses,
  ticketTypeLocked,
} from './sales.errors.ts';
import type { DiscountKind, SalesTables } from './sales.tables.ts';
import type { SalesDb } from './seats.repository.ts';

/** A promo code as the API shows it. */
export interface PromoCodeView {
  id: number;
  event_id: number;
  code: string;
  discount_kind: DiscountKind;
  discount_value: number;
  ticket_type_ids: number[] | null;
  zone_ids: number[] | null;
  valid_from: string | null;
  valid_until: string | null;
  max_uses: number;
  uses: number;
  active: boolean;
  /** Whether a buyer could use it now: active, within its dates, not used up. */
  usable: boolean;
  created_at: string;
}

export interface PromoCodeInput {
  discount_kind: DiscountKind;
  discount_value: number;
  ticket_type_ids?: number[] | null;
  zone_ids?: number[] | null;
  valid_from?: string | null;
  valid_until?: string | null;
  max_uses: number;
}

/** Letters and digits a reader cannot confuse (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RANDOM_PART = 8;

export function promoCodeToView(row: PromoCodeRow): PromoCodeView {
  return {
    id: row.id,
    event_id: row.event_id,
    code: row.code,
    discount_kind: row.discount_kind,
    discount_value: row.discount_value,
    ticket_type_ids: row.ticket_type_ids,
    zone_ids: row.zone_ids,
    valid_from: row.valid_from?.toISOString() ?? null,
    valid_until: row.valid_until?.toISOString() ?? null,
    max_uses: row.max_uses,
    uses: row.uses,
    active: row.active,
    usable: row.active && row.started && !row.ended && row.uses < row.max_uses,
    created_at: row.created_at.toISOString(),
  };
}

function randomCode(prefix: string): string {
  const random = Array.from({ length: RANDOM_PART }, () => CODE_ALPHABET.charAt(randomInt(CODE_ALPHABET.length)));
  return prefix.toUpperCase() + random.join('');
}

function dateOf(value: string | null | undefined): Date | null {
  return value ? new Date(value) : null;
}

function checkDiscount(kind: DiscountKind, value: number): void {
  if (kind === 'percent' && (value < 1 || value > 100)) throw promoDiscountInvalid('a percentage must be from 1 to 100');
}

/**
 * Promo codes (pretix's vouchers): the event team creates, lists and changes them; a booking
 * applies one in its own transaction, counting the use there (decision record 0030).
 */
export class PromoCodes {
  private readonly db: SalesDb;
  private readonly events: SaleEvents;

  constructor(db: SalesDb, events: SaleEvents) {
    this.db = db;
    this.events = events;
  }

  /** One code named by the organizer, or `count` random ones starting with `prefix`. */
  async create(
    principal: Principal,
    eventId: number,
    input: PromoCodeInput & ({ code: string } | { prefix: string; count: number }),
  ): Promise<PromoCodeView[]> {
    await this.events.requireManager(principal, eventId);
    checkDiscount(input.discount_kind, input.discount_value);
    await this.checkLimits(eventId, input);
    const codes =
      'code' in input
        ? [input.code.toUpperCase()]
        : [...new Set(Array.from({ length: input.count * 2 }, () => randomCode(input.prefix)))].slice(0, input.count);
    const values: PromoCodeValues[] = codes.map((code) => ({
      event_id: eventId,
      code,
      discount_kind: input.discount_kind,
      discount_value: input.discount_value,
      ticket_type_ids: input.ticket_type_ids ?? null,
      zone_ids: input.zone_ids ?? null,
      valid_from: dateOf(input.valid_from),
      valid_until: dateOf(input.valid_until),
      max_uses: input.max_uses,
    }));
    const rows = await this.db.transaction().execute(async (trx) => {
      const inserted = await insertPromoCodes(trx, values);
      if (inserted.length !== values.length) {
        const made = new Set(inserted.map((row) => row.code));
        throw promoCodeExists(codes.filter((code) => !made.has(code)));
      }
      return inserted;
    });
    return rows.map(promoCodeToView);
  }

  async list(principal: Principal, eventId: number): Promise<PromoCodeView[]> {
    await this.events.requireManager(principal, eventId);
    return (await listPromoCodes(this.db, eventId)).map(promoCodeToView);
  }

  async change(
    principal: Principal,
    id: number,
    changes: Partial<Omit<PromoCodeInput, 'discount_kind' | 'discount_value'>> & {
      active?: boolean;
      discount_kind?: DiscountKind;
      discount_value?: number;
    },
  ): Promise<PromoCodeView> {
    const current = await findPromoCodeById(this.db, id);
    if (!current) throw promoCodeNotFound();
    await this.events.requireManager(principal, current.event_id);
    checkDiscount(changes.discount_kind ?? current.discount_kind, changes.discount_value ?? current.discount_value);
    await this.checkLimits(current.event_id, changes);
    const updated = await updatePromoCode(this.db, id, {
      ...(changes.active !== undefined ? { active: changes.active } : {}),
      ...(changes.discount_kind !== undefined ? { discount_kind: changes.discount_kind } : {}),
      ...(changes.discount_value !== undefined ? { discount_value: changes.discount_value } : {}),
      ...(changes.ticket_type_ids !== undefined ? { ticket_type_ids: changes.ticket_type_ids } : {}),
      ...(changes.zone_ids !== undefined ? { zone_ids: changes.zone_ids } : {}),
      ...(changes.valid_from !== undefined ? { valid_from: dateOf(changes.valid_from) } : {}),
      ...(changes.valid_until !== undefined ? { valid_until: dateOf(changes.valid_until) } : {}),
      ...(changes.max_uses !== undefined ? { max_uses: changes.max_uses } : {}),
    });
    if (!updated) {
      const fresh = await findPromoCodeById(this.db, id);
      if (!fresh) throw promoCodeNotFound();
      throw promoMaxUsesBelowUses(fresh.uses);
    }
    return promoCodeToView(updated);
  }

  /** A code limited to ticket types or zones names only the event's own. */
  private async checkLimits(eventId: number, limits: { ticket_type_ids?: number[] | null; zone_ids?: number[] | null }) {
    const foreign = await idsNotOfEvent(this.db, eventId, {
      ticketTypeIds: limits.ticket_type_ids ?? [],
      zoneIds: limits.zone_ids ?? [],
    });
    if (foreign.length > 0) throw promoLimitNotOfEvent(foreign);
  }

  /**
   * A hidden ticket type is sold only with a code limited to it (decision record 0034). Called
   * before the units are held; the use itself is counted once, by apply, in the same transaction.
   */
  async requireUnlocked(trx: Transaction<SalesTables>, eventId: number, ticketTypeId: number, code: string | undefined) {
    if (code === undefined) throw ticketTypeLocked();
    const promo = await findPromoCodeByCode(trx, eventId, code);
    if (!promo) throw promoCodeUnknown();
    if (!promo.ticket_type_ids?.includes(ticketTypeId)) throw ticketTypeLocked();
  }

  /**
   * In the booking's transaction: checks the code fits these tickets and counts one use (a
   * conditional update). Throws a problem that says why when it cannot be used; the caller's
   * transaction then rolls back, so nothing of the booking is saved.
   */
  async apply(
    trx: Transaction<SalesTables>,
    eventId: number,
    code: string,
    tickets: PricedTicket[],
  ): Promise<{ promo: { id: number; code: string }; price: PriceBreakdown }> {
    const promo = await findPromoCodeByCode(trx, eventId, code);
    if (!promo) throw promoCodeUnknown();
    if (!promo.active) throw promoCodeInactive();
    if (!promo.started && promo.valid_from) throw promoCodeNotYetValid(promo.valid_from);
    if (promo.ended && promo.valid_until) throw promoCodeExpired(promo.valid_until);
    const price = priceWithPromo(promo, tickets);
    if (price.discounted === 0) throw promoCodeNotApplicable();
    if (!(await claimPromoUse(trx, promo.id))) throw promoCodeUsedUp();
    return { promo: { id: promo.id, code: promo.code }, price };
  }
}
