import { Type, type Static } from 'typebox';
import { Id, Page } from '../../platform/http/schemas.ts';
import type { StudioDirectory } from './halls.service.ts';
import type { RentalsDb } from './rentals.repository.ts';

// The renter's way in: which studios have halls to rent. Studios are the catalog's organizers, so
// their slug and name come through the StudioDirectory port (bound in main.ts); rentals only knows
// which organizers have halls and what their halls cost.

export const StudiosQuery = Type.Object({
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  organizer_id: Type.Optional(Id),
});

export const StudioSchema = Type.Object({
  id: Type.Integer({ description: 'The organizer’s id.' }),
  slug: Type.String(),
  name: Type.String(),
  halls: Type.Integer({ description: 'How many halls the studio has.' }),
  price_from: Type.Union([
    Type.Object({ amount: Type.Integer({ description: 'Minor units an hour.' }), currency: Type.String() }),
    Type.Null(),
  ]),
});

type Studio = Static<typeof StudioSchema>;

/**
 * Studios with at least one hall, by organizer id, one page of them; `organizerId` narrows the
 * list to that one studio (a hall page finds its studio's name and address so).
 */
export async function listStudios(
  db: RentalsDb,
  directory: StudioDirectory,
  query: { page?: number; pageSize?: number; organizer_id?: number },
): Promise<Studio[]> {
  const pageSize = query.pageSize ?? 20;
  const page = query.page ?? 1;
  let select = db
    .selectFrom('rentals.halls')
    .select(['organizer_id', (eb) => eb.fn.countAll<string>().as('halls')])
    .groupBy('organizer_id')
    .orderBy('organizer_id')
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  if (query.organizer_id !== undefined) select = select.where('organizer_id', '=', query.organizer_id);
  const groups = await select.execute();
  if (groups.length === 0) return [];
  const ids = groups.map((group) => group.organizer_id);
  const [names, tariffs] = await Promise.all([
    directory.organizersByIds(ids),
    db
      .selectFrom('rentals.tariffs')
      .innerJoin('rentals.halls', 'rentals.halls.id', 'rentals.tariffs.hall_id')
      .select(['rentals.halls.organizer_id', 'rentals.tariffs.currency', 'rentals.tariffs.bands'])
      .where('rentals.halls.organizer_id', 'in', ids)
      .execute(),
  ]);
  const byId = new Map(names.map((organizer) => [organizer.id, organizer]));
  return groups.flatMap((group) => {
    const organizer = byId.get(group.organizer_id);
    if (!organizer) return [];
    // The lowest hourly band of any of its halls: what "from …/hour" promises.
    let from: Studio['price_from'] = null;
    for (const tariff of tariffs.filter((row) => row.organizer_id === group.organizer_id))
      for (const band of tariff.bands)
        if (!from || band.price_per_hour < from.amount) from = { amount: band.price_per_hour, currency: tariff.currency };
    return [{ id: organizer.id, slug: organizer.slug, name: organizer.name, halls: Number(group.halls), price_from: from }];
  });
}
