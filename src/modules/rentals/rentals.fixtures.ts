import type { Kysely } from 'kysely';
import { rentalsDb } from './rentals.repository.ts';
import type { OpeningHours } from './rentals.tables.ts';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const DAY = { open: '09:00', close: '23:00' };
const HOURS: OpeningHours = {
  mon: DAY,
  tue: DAY,
  wed: DAY,
  thu: DAY,
  fri: DAY,
  sat: { open: '10:00', close: '22:00' },
  sun: null,
};

const HALLS = [
  {
    name: 'Белый зал',
    description: 'Циклорама 6×4 м, окна на юг, 60 м².',
    capacity: 12,
    area_sq_m: 60,
    buffer_minutes: 15,
    min_minutes: 60,
    bands: [400_000, 600_000, 500_000],
  },
  {
    name: 'Лофт',
    description: 'Кирпичные стены, мебель, 90 м².',
    capacity: 20,
    area_sq_m: 90,
    buffer_minutes: 30,
    min_minutes: 120,
    bands: [550_000, 750_000, 650_000],
  },
] as const;

/**
 * The demo studio's two halls in Almaty with tariffs (weekdays, evenings, Saturdays, a holiday)
 * and its extras (one light kit shared by both halls, an assistant). Idempotent: what exists by
 * name is left as it is.
 */
export async function ensureDemoHalls(db: Kysely<object>, organizerId: number): Promise<number[]> {
  const rentals = rentalsDb(db);
  return rentals.transaction().execute(async (trx) => {
    const ids: number[] = [];
    for (const hall of HALLS) {
      const existing = await trx
        .selectFrom('rentals.halls')
        .select('id')
        .where('organizer_id', '=', organizerId)
        .where('name', '=', hall.name)
        .executeTakeFirst();
      if (existing) {
        ids.push(existing.id);
        continue;
      }
      const row = await trx
        .insertInto('rentals.halls')
        .values({
          organizer_id: organizerId,
          created_by: 0,
          name: hall.name,
          description: hall.description,
          capacity: hall.capacity,
          area_sq_m: hall.area_sq_m,
          timezone: 'Asia/Almaty',
          opening_hours: JSON.stringify(HOURS),
          buffer_minutes: hall.buffer_minutes,
          min_minutes: hall.min_minutes,
          full_refund_hours: 48,
          partial_refund_hours: 24,
          partial_refund_percent: 50,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const [weekday, evening, saturday] = hall.bands;
      await trx
        .insertInto('rentals.tariffs')
        .values({
          hall_id: row.id,
          currency: 'KZT',
          bands: JSON.stringify([
            { name: 'Будни', days: WEEK, from: '09:00', to: '18:00', price_per_hour: weekday },
            { name: 'Вечер', days: WEEK, from: '18:00', to: '23:00', price_per_hour: evening },
            { name: 'Суббота', days: ['sat'], from: '00:00', to: '24:00', price_per_hour: saturday },
          ]),
          holidays: JSON.stringify([{ date: `${new Date().getUTCFullYear() + 1}-03-22`, band: 'Суббота' }]),
          minimum_charge: weekday,
        })
        .execute();
      ids.push(row.id);
    }
    for (const extra of [
      {
        name: 'Комплект света',
        description: 'Два моноблока 600 Дж с софтбоксами.',
        pricing: 'per_hour' as const,
        price: 150_000,
        stock: 1,
      },
      {
        name: 'Ассистент',
        description: 'Помощь со светом и реквизитом.',
        pricing: 'per_rental' as const,
        price: 500_000,
        stock: null,
      },
    ]) {
      const existing = await trx
        .selectFrom('rentals.extras')
        .select('id')
        .where('organizer_id', '=', organizerId)
        .where('name', '=', extra.name)
        .executeTakeFirst();
      if (!existing)
        await trx
          .insertInto('rentals.extras')
          .values({ organizer_id: organizerId, currency: 'KZT', ...extra })
          .execute();
    }
    return ids;
  });
}
