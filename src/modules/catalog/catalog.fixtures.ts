import { sql, type Kysely } from 'kysely';
import { catalogDb } from './organizers.repository.ts';

export const HACKLOAD_EVENT_ID = 1;
export const HACKLOAD_EVENT_TITLE = 'Концерт мировой звезды Селеста Морейра из Лусарии';

/**
 * The HackLoad concert, event 1: published, with no limit of one open booking per user (their
 * load test opens a thousand bookings per user on it) and the default 30-minute hold. Idempotent.
 */
export async function ensureHackloadConcert(db: Kysely<object>): Promise<void> {
  const catalog = catalogDb(db);
  await catalog.transaction().execute(async (trx) => {
    const organizer = await trx
      .insertInto('catalog.organizers')
      .values({ slug: 'hackload', name: 'HackLoad', description: 'The HackLoad 2025 Billetter concert.' })
      .onConflict((conflict) => conflict.column('slug').doUpdateSet({ name: 'HackLoad' }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('catalog.events')
      .values({
        id: HACKLOAD_EVENT_ID,
        organizer_id: organizer.id,
        title: HACKLOAD_EVENT_TITLE,
        description: 'Большой концерт на стадионе. 100 000 мест в пяти зонах.',
        type: 'concert',
        venue: 'Стадион',
        timezone: 'Asia/Almaty',
        starts_at: sql<Date>`date_trunc('day', now()) + interval '180 days' + interval '14 hours'`,
        status: 'PUBLISHED',
        published_at: sql<Date>`now()`,
        policy: JSON.stringify({
          max_tickets_per_order: 10,
          contact_required: false,
          one_active_booking_per_user: false,
          max_tickets_per_user: null,
        }),
        provider: 'hackload',
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
    await sql`select setval(pg_get_serial_sequence('catalog.events', 'id'), greatest((select max(id) from catalog.events), 1))`.execute(
      trx,
    );
  });
}

export const DEMO_STUDIO_SLUG = 'svet-studio';

/** The demo photo studio (an organizer whose halls the rentals module seeds); its id. Idempotent. */
export async function ensureDemoStudio(db: Kysely<object>): Promise<number> {
  const row = await catalogDb(db)
    .insertInto('catalog.organizers')
    .values({
      slug: DEMO_STUDIO_SLUG,
      name: 'Фотостудия «Свет»',
      description: 'Два зала с циклорамой и светом, аренда по четверть часа.',
    })
    .onConflict((conflict) => conflict.column('slug').doUpdateSet({ slug: DEMO_STUDIO_SLUG }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
