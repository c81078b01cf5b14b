import type { Kysely } from 'kysely';
import type { Principal } from '../../platform/http/access.ts';
import { MAX_ORDER_TOTAL } from '../../platform/money.ts';
import { addDays, isLocalDate, isTimeZone, minutesOfClock, startOfLocalDay, type Weekday, WEEKDAYS } from './rentals.clock.ts';
import {
  closureNotFound,
  extraNotFound,
  hallNotFound,
  hallNotPriced,
  invalidHall,
  invalidRange,
  invalidTariff,
  invalidTimezone,
  notOnStudioTeam,
  organizerNotFound,
  totalTooLarge,
} from './rentals.errors.ts';
import { priceRental, type PricedExtra, type Quote, type Tariff } from './rentals.pricing.ts';
import {
  deleteClosure,
  findExtras,
  findHall,
  findTariff,
  insertClosure,
  insertExtra,
  insertHall,
  listClosures,
  listExtras,
  listHallRentals,
  listHalls,
  rentalsDb,
  updateHall,
  upsertTariff,
  type ClosureRow,
  type ExtraRow,
  type HallRow,
  type RentalsDb,
  type TariffRow,
} from './rentals.repository.ts';
import { listStudios } from './rentals.studios.ts';
import { availabilityDays, checkDateRange, checkSlot, type AvailabilityDay } from './rentals.slots.ts';
import type { OpeningHours } from './rentals.tables.ts';

/** What rentals needs from the catalog (studios are organizers), bound in main.ts. */
export interface StudioDirectory {
  organizerIdBySlug(slug: string): Promise<number | undefined>;
  /** Owner or manager of the organizer's team, or an admin. */
  isOrganizerManager(principal: Principal, organizerId: number): Promise<boolean>;
  /** Slug and name of the organizers (studios) of these ids; ids with none are left out. */
  organizersByIds(ids: number[]): Promise<{ id: number; slug: string; name: string }[]>;
}

export type DayHoursInput = { open: string; close: string } | null;

export interface HallInput {
  name?: string;
  description?: string;
  photos?: string[];
  capacity?: number | null;
  area_sq_m?: number | null;
  timezone?: string;
  opening_hours?: Partial<Record<Weekday, DayHoursInput>>;
  buffer_minutes?: number;
  min_minutes?: number;
  max_minutes?: number;
  min_notice_minutes?: number;
  horizon_days?: number;
  hold_ttl_seconds?: number;
  cancellation?: { full_refund_hours: number; partial_refund_hours: number; partial_refund_percent: number };
}

export interface TariffInput {
  currency: string;
  bands: { name: string; days: Weekday[]; from: string; to: string; price_per_hour: number }[];
  holidays?: { date: string; band: string }[];
  minimum_charge?: number;
}

export interface ExtraInput {
  name: string;
  description?: string;
  pricing: 'per_hour' | 'per_rental';
  price: number;
  currency: string;
  stock?: number | null;
}

export interface ExtraRequest {
  extra_id: number;
  quantity: number;
}

function tariffOf(row: TariffRow): Tariff {
  return { currency: row.currency, bands: row.bands, holidays: row.holidays, minimum_charge: row.minimum_charge };
}

export function hallView(row: HallRow, tariff: TariffRow | undefined, closures: ClosureRow[]) {
  return {
    id: row.id,
    organizer_id: row.organizer_id,
    name: row.name,
    description: row.description,
    photos: row.photos,
    capacity: row.capacity,
    area_sq_m: row.area_sq_m,
    timezone: row.timezone,
    opening_hours: row.opening_hours,
    buffer_minutes: row.buffer_minutes,
    min_minutes: row.min_minutes,
    max_minutes: row.max_minutes,
    min_notice_minutes: row.min_notice_minutes,
    horizon_days: row.horizon_days,
    hold_ttl_seconds: row.hold_ttl_seconds,
    cancellation: {
      full_refund_hours: row.full_refund_hours,
      partial_refund_hours: row.partial_refund_hours,
      partial_refund_percent: row.partial_refund_percent,
    },
    tariff: tariff ? tariffOf(tariff) : null,
    closures: closures.map(closureView),
  };
}

function closureView(row: ClosureRow) {
  return { id: row.id, starts_on: row.starts_on, ends_on: row.ends_on, reason: row.reason };
}

export function extraView(row: ExtraRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    pricing: row.pricing,
    price: row.price,
    currency: row.currency,
    stock: row.stock,
  };
}

function pricedExtra(row: ExtraRow): PricedExtra {
  return { id: row.id, name: row.name, pricing: row.pricing, price: row.price, currency: row.currency };
}

const utcDate = (instant: number, shift: number) => addDays(new Date(instant).toISOString().slice(0, 10), shift);

const isClock = (clock: string) => minutesOfClock(clock) % 15 === 0;

function checkOpeningHours(hours: Partial<Record<Weekday, DayHoursInput>>): OpeningHours {
  const complete = {} as OpeningHours;
  for (const day of WEEKDAYS) {
    const entry = hours[day] ?? null;
    if (entry && (!isClock(entry.open) || !isClock(entry.close))) {
      throw invalidHall(`opening_hours.${day}: hours fall on quarter hours.`);
    }
    if (entry && minutesOfClock(entry.open) >= minutesOfClock(entry.close)) {
      throw invalidHall(`opening_hours.${day}: open must be before close.`);
    }
    complete[day] = entry;
  }
  return complete;
}

/** Halls, their tariffs, extras and closures, and what a renter reads before booking. */
export class HallsService {
  private readonly db: RentalsDb;
  private readonly studios: StudioDirectory;

  constructor(db: Kysely<object>, studios: StudioDirectory) {
    this.db = rentalsDb(db);
    this.studios = studios;
  }

  /** The organizer id behind a slug, if the principal may run it (owner, manager, admin). */
  async manageableStudio(principal: Principal, slug: string): Promise<number> {
    const organizerId = await this.studioId(slug);
    if (!(await this.studios.isOrganizerManager(principal, organizerId))) throw notOnStudioTeam();
    return organizerId;
  }

  /** The hall, if the principal is on its studio's team (owner, manager, admin); 403 otherwise. */
  async manageableHall(principal: Principal, hallId: number): Promise<HallRow> {
    const hall = await this.hall(hallId);
    if (!(await this.studios.isOrganizerManager(principal, hall.organizer_id))) throw notOnStudioTeam();
    return hall;
  }

  isStudioManager(principal: Principal, organizerId: number): Promise<boolean> {
    return this.studios.isOrganizerManager(principal, organizerId);
  }

  async hall(hallId: number): Promise<HallRow> {
    const hall = await findHall(this.db, hallId);
    if (!hall) throw hallNotFound();
    return hall;
  }

  async createHall(principal: Principal, slug: string, input: HallInput & { name: string; timezone: string }) {
    const organizerId = await this.manageableStudio(principal, slug);
    const row = await insertHall(this.db, {
      organizer_id: organizerId,
      created_by: principal.userId,
      ...this.hallFields(input, undefined),
      name: input.name,
      timezone: input.timezone,
      opening_hours: JSON.stringify(checkOpeningHours(input.opening_hours ?? {})),
    });
    return hallView(row, undefined, []);
  }

  async updateHall(principal: Principal, hallId: number, input: HallInput) {
    const current = await this.manageableHall(principal, hallId);
    const row = await updateHall(this.db, hallId, {
      ...this.hallFields(input, current),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      ...(input.opening_hours !== undefined ? { opening_hours: JSON.stringify(checkOpeningHours(input.opening_hours)) } : {}),
    });
    if (!row) throw hallNotFound();
    return this.view(row);
  }

  /** The columns an input sets, checked against each other (with the current hall's values for a patch). */
  private hallFields(input: HallInput, current: HallRow | undefined) {
    if (input.timezone !== undefined && !isTimeZone(input.timezone)) throw invalidTimezone(input.timezone);
    const min = input.min_minutes ?? current?.min_minutes ?? 15;
    const max = input.max_minutes ?? current?.max_minutes ?? 1440;
    if (min > max) throw invalidHall('min_minutes must not exceed max_minutes.');
    const policy = input.cancellation;
    if (policy && policy.partial_refund_hours > policy.full_refund_hours) {
      throw invalidHall(
        'cancellation: the partial refund window must end no earlier than the full one (partial_refund_hours ≤ full_refund_hours).',
      );
    }
    return {
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.photos !== undefined ? { photos: input.photos } : {}),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.area_sq_m !== undefined ? { area_sq_m: input.area_sq_m } : {}),
      ...(input.buffer_minutes !== undefined ? { buffer_minutes: input.buffer_minutes } : {}),
      ...(input.min_minutes !== undefined ? { min_minutes: input.min_minutes } : {}),
      ...(input.max_minutes !== undefined ? { max_minutes: input.max_minutes } : {}),
      ...(input.min_notice_minutes !== undefined ? { min_notice_minutes: input.min_notice_minutes } : {}),
      ...(input.horizon_days !== undefined ? { horizon_days: input.horizon_days } : {}),
      ...(input.hold_ttl_seconds !== undefined ? { hold_ttl_seconds: input.hold_ttl_seconds } : {}),
      ...(policy
        ? {
            full_refund_hours: policy.full_refund_hours,
            partial_refund_hours: policy.partial_refund_hours,
            partial_refund_percent: policy.partial_refund_percent,
          }
        : {}),
    };
  }

  /** Studios with halls, one page (rentals.studios.ts). */
  studioList(query: { page?: number; pageSize?: number; organizer_id?: number }) {
    return listStudios(this.db, this.studios, query);
  }

  async getHall(hallId: number) {
    return this.view(await this.hall(hallId));
  }

  async listHalls(slug: string) {
    const rows = await listHalls(this.db, await this.studioId(slug));
    return Promise.all(rows.map((row) => this.view(row)));
  }

  private async view(row: HallRow) {
    const today = new Date().toISOString().slice(0, 10);
    const [tariff, closures] = await Promise.all([
      findTariff(this.db, row.id),
      listClosures(this.db, row.id, addDays(today, -1), '9999-12-31'),
    ]);
    return hallView(row, tariff, closures);
  }

  async putTariff(principal: Principal, hallId: number, input: TariffInput) {
    await this.manageableHall(principal, hallId);
    const names = new Set<string>();
    for (const band of input.bands) {
      if (names.has(band.name)) throw invalidTariff(`Two bands are named ${band.name}.`);
      names.add(band.name);
      if (!isClock(band.from) || !isClock(band.to)) throw invalidTariff(`Band ${band.name}: times fall on quarter hours.`);
      if (minutesOfClock(band.from) >= minutesOfClock(band.to)) throw invalidTariff(`Band ${band.name}: from must be before to.`);
    }
    const dates = new Set<string>();
    for (const holiday of input.holidays ?? []) {
      if (!isLocalDate(holiday.date)) throw invalidTariff(`${holiday.date} is not a date.`);
      if (!names.has(holiday.band))
        throw invalidTariff(`Holiday ${holiday.date} names no band of this tariff (${holiday.band}).`);
      if (dates.has(holiday.date)) throw invalidTariff(`Holiday ${holiday.date} is listed twice.`);
      dates.add(holiday.date);
    }
    await upsertTariff(this.db, {
      hall_id: hallId,
      currency: input.currency,
      bands: JSON.stringify(input.bands),
      holidays: JSON.stringify(input.holidays ?? []),
      minimum_charge: input.minimum_charge ?? 0,
    });
    return this.getHall(hallId);
  }

  async createExtra(principal: Principal, slug: string, input: ExtraInput) {
    const organizerId = await this.manageableStudio(principal, slug);
    const row = await insertExtra(this.db, {
      organizer_id: organizerId,
      name: input.name,
      description: input.description ?? '',
      pricing: input.pricing,
      price: input.price,
      currency: input.currency,
      stock: input.stock ?? null,
    });
    return extraView(row);
  }

  async listExtras(slug: string) {
    return (await listExtras(this.db, await this.studioId(slug))).map(extraView);
  }

  async addClosure(principal: Principal, hallId: number, input: { starts_on: string; ends_on: string; reason?: string }) {
    await this.manageableHall(principal, hallId);
    if (!isLocalDate(input.starts_on) || !isLocalDate(input.ends_on))
      throw invalidRange('Closures are local dates (YYYY-MM-DD).');
    if (input.ends_on < input.starts_on) throw invalidRange('ends_on must not be before starts_on.');
    return closureView(
      await insertClosure(this.db, {
        hall_id: hallId,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        reason: input.reason ?? '',
      }),
    );
  }

  async removeClosure(principal: Principal, hallId: number, closureId: number): Promise<void> {
    await this.manageableHall(principal, hallId);
    if (!(await deleteClosure(this.db, hallId, closureId))) throw closureNotFound();
  }

  /** The hall's open quarter hours on the local dates [from, to] (at most 31), each with its status now. */
  async availability(hallId: number, from: string, to: string): Promise<{ timezone: string; days: AvailabilityDay[] }> {
    if (!isLocalDate(from) || !isLocalDate(to)) throw invalidRange('from and to are local dates (YYYY-MM-DD).');
    checkDateRange(from, to);
    const hall = await this.hall(hallId);
    const [closures, rentals] = await Promise.all([
      listClosures(this.db, hallId, from, to),
      listHallRentals(
        this.db,
        hallId,
        new Date(startOfLocalDay(from, hall.timezone)),
        new Date(startOfLocalDay(addDays(to, 1), hall.timezone)),
        { includeClosed: false },
      ),
    ]);
    return { timezone: hall.timezone, days: availabilityDays(hall, closures, rentals, from, to) };
  }

  /** The price of a slot with extras, line by line, before booking (notice and horizon are judged when booking). */
  async quote(hallId: number, startsAt: number, endsAt: number, extras: ExtraRequest[]): Promise<Quote> {
    const hall = await this.hall(hallId);
    return this.priceFor(this.db, hall, startsAt, endsAt, extras, undefined);
  }

  /**
   * Checks the slot against the hall's rules (with `now`, notice and horizon too) and prices it;
   * used by the quote and, under the hall's lock, by booking.
   */
  async priceFor(
    db: RentalsDb,
    hall: HallRow,
    startsAt: number,
    endsAt: number,
    extras: ExtraRequest[],
    now: number | undefined,
  ): Promise<Quote & { extraRows: ExtraRow[] }> {
    const tariff = await findTariff(db, hall.id);
    if (!tariff) throw hallNotPriced();
    const ids = extras.map((extra) => extra.extra_id);
    if (new Set(ids).size !== ids.length) throw invalidRange('Each extra is listed once (with its quantity).');
    const rows = await findExtras(db, hall.organizer_id, ids);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const wanted = extras.map((extra) => {
      const row = byId.get(extra.extra_id);
      if (!row) throw extraNotFound(extra.extra_id);
      return { extra: pricedExtra(row), quantity: extra.quantity };
    });
    // UTC dates ± a day cover the local dates of any zone.
    const closures = endsAt > startsAt ? await listClosures(db, hall.id, utcDate(startsAt, -1), utcDate(endsAt, 1)) : [];
    checkSlot(hall, closures, startsAt, endsAt, now, 'rental');
    const quote = priceRental(tariffOf(tariff), hall.timezone, startsAt, endsAt, wanted);
    if (quote.total > MAX_ORDER_TOTAL) throw totalTooLarge();
    return { ...quote, extraRows: rows };
  }

  private async studioId(slug: string): Promise<number> {
    const organizerId = await this.studios.organizerIdBySlug(slug);
    if (organizerId === undefined) throw organizerNotFound();
    return organizerId;
  }
}
