import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/server.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { grantRole, type TestUser } from './users.ts';

export const ALL_DAY = { open: '00:00', close: '24:00' };
export const EVERY_DAY_ALL_DAY = {
  mon: ALL_DAY,
  tue: ALL_DAY,
  wed: ALL_DAY,
  thu: ALL_DAY,
  fri: ALL_DAY,
  sat: ALL_DAY,
  sun: ALL_DAY,
};
export const FLAT_TARIFF = {
  currency: 'KZT',
  bands: [
    {
      name: 'any time',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      from: '00:00',
      to: '24:00',
      price_per_hour: 400_000,
    },
  ],
};

/** A new organizer (studio) of `owner`, through the public API; its slug. */
export async function createStudio(app: App, database: Database, owner: TestUser): Promise<string> {
  await grantRole(database, owner.id, 'organizer');
  const slug = `studio-${randomUUID().slice(0, 8)}`;
  const created = await app.inject({
    method: 'POST',
    url: '/api/organizers',
    headers: owner.bearer,
    payload: { slug, name: slug },
  });
  expect(created.statusCode, created.body).toBe(201);
  return slug;
}

/** A hall of the studio open every day all day (unless overridden), with a flat tariff of 4,000.00 KZT an hour. */
export async function createHall(
  app: App,
  owner: TestUser,
  slug: string,
  fields: Record<string, unknown> = {},
  tariff: Record<string, unknown> | null = FLAT_TARIFF,
): Promise<number> {
  const created = await app.inject({
    method: 'POST',
    url: `/api/organizers/${slug}/halls`,
    headers: owner.bearer,
    payload: { name: 'Зал', timezone: 'Asia/Almaty', opening_hours: EVERY_DAY_ALL_DAY, horizon_days: 1830, ...fields },
  });
  expect(created.statusCode, created.body).toBe(201);
  const hallId = created.json<{ id: number }>().id;
  if (tariff) {
    const priced = await app.inject({
      method: 'PUT',
      url: `/api/halls/${hallId}/tariffs`,
      headers: owner.bearer,
      payload: tariff,
    });
    expect(priced.statusCode, priced.body).toBe(200);
  }
  return hallId;
}

const QUARTER = 15 * 60_000;

/** The first quarter hour at or after `ms` (UTC; every zone used in tests has whole-quarter offsets). */
export function ceilQuarter(ms: number): number {
  return Math.ceil(ms / QUARTER) * QUARTER;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
