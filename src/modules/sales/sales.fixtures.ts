import type { Kysely } from 'kysely';
import { eventHasSeats, insertLayout, salesDb, type ZoneLayout } from './seats.repository.ts';

/** HackLoad's five zones, 1,000 seats a row, in order from the stage; prices in tiyn (1/100 KZT). */
export const HACKLOAD_ZONES: ZoneLayout[] = [
  { name: 'Golden circle', price: 40_000_00, currency: 'KZT', rows: 10, seatsPerRow: 1000 },
  { name: 'Fan zone', price: 80_000_00, currency: 'KZT', rows: 15, seatsPerRow: 1000 },
  { name: 'Lower tier', price: 120_000_00, currency: 'KZT', rows: 20, seatsPerRow: 1000 },
  { name: 'Middle tier', price: 160_000_00, currency: 'KZT', rows: 25, seatsPerRow: 1000 },
  { name: 'Upper tier', price: 200_000_00, currency: 'KZT', rows: 30, seatsPerRow: 1000 },
];

/** Event 1's 100,000 seats with ids 1..100000 (idempotent). */
export async function ensureHackloadSeats(db: Kysely<object>, eventId: number): Promise<void> {
  const sales = salesDb(db);
  if (await eventHasSeats(sales, eventId)) return;
  await sales.transaction().execute((trx) => insertLayout(trx, eventId, HACKLOAD_ZONES, 1));
}
