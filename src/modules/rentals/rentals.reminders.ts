import type { Transaction } from 'kysely';
import { addEvent } from '../../platform/bus/index.ts';
import { narrow } from '../../platform/db/narrow.ts';
import { scheduleJob } from '../../platform/jobs/jobs.ts';
import { databaseNow, lockRental, type RentalRow, type RentalsTrx } from './rentals.repository.ts';
import { payloadOf } from './rentals.events.ts';
import type { RentalsTables } from './rentals.tables.ts';

/** The one-off job (platform.jobs, decision 0003) that reminds a renter before their rental. */
export const REMINDER_JOB = 'rentals.remind';

export const DEFAULT_REMINDER_LEAD_MINUTES = 24 * 60;

/**
 * In the confirming transaction: a durable job due `leadMinutes` before the start, so the reminder
 * exists only if the confirmation committed and survives restarts. One per rental (its dedupe
 * key). Nothing when the start is nearer than the lead: the confirmation itself was the reminder.
 */
export async function scheduleReminder(trx: RentalsTrx, rental: RentalRow, leadMinutes: number): Promise<void> {
  if (rental.kind !== 'rental') return;
  const runAt = rental.starts_at.getTime() - leadMinutes * 60_000;
  if (runAt <= (await databaseNow(trx))) return;
  await scheduleJob<RentalsTables>(
    trx,
    REMINDER_JOB,
    { rentalId: rental.id },
    { runAt: new Date(runAt), dedupeKey: `rental:${rental.id}` },
  );
}

/**
 * The job's handler, in the transaction that deletes the job (so it happens exactly once, even with
 * several workers: they take jobs with SKIP LOCKED). A rental cancelled meanwhile, or one already
 * started, is not reminded of.
 */
export async function remindRenter(payload: unknown, trx: Transaction<object>): Promise<void> {
  const rentalId = (payload as { rentalId?: unknown } | null)?.rentalId;
  if (typeof rentalId !== 'number') return;
  const rentals = narrow<RentalsTables>(trx);
  const row = await lockRental(rentals, rentalId);
  if (!row || row.status !== 'CONFIRMED' || row.starts_at.getTime() <= (await databaseNow(rentals))) return;
  await addEvent(rentals, 'rental.reminder', row.id, payloadOf(row));
}
