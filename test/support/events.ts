import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/server.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { grantRole, type TestUser } from './users.ts';

export interface EventSetup {
  ttlSeconds?: number;
  policy?: Record<string, unknown>;
  zones?: { name: string; price: number; rows: number; seats_per_row: number }[];
  ticketTypes?: { type: string; name: string; price: number; quantity: number; max_per_order?: number }[];
}

/** An organizer with a published event, through the public API: seats and/or ticket types. */
export async function createPublishedEvent(app: App, database: Database, owner: TestUser, setup: EventSetup) {
  const { id: eventId, slug } = await createDraftEvent(app, database, owner, {
    hold_ttl_seconds: setup.ttlSeconds ?? 1800,
    ...(setup.policy ? { policy: setup.policy } : {}),
  });
  if (setup.zones) {
    const layout = await app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/seat-layout`,
      headers: owner.bearer,
      payload: { zones: setup.zones },
    });
    expect(layout.statusCode, layout.body).toBe(201);
  }
  const ticketTypeIds: number[] = [];
  for (const ticketType of setup.ticketTypes ?? []) {
    const response = await app.inject({
      method: 'POST',
      url: `/api/events/${eventId}/ticket-types`,
      headers: owner.bearer,
      payload: ticketType,
    });
    expect(response.statusCode, response.body).toBe(201);
    ticketTypeIds.push(response.json<{ id: number }>().id);
  }
  const published = await app.inject({ method: 'POST', url: `/api/events/${eventId}/publish`, headers: owner.bearer });
  expect(published.statusCode, published.body).toBe(200);
  return { eventId, ticketTypeIds, slug };
}

/** Puts a user on an organizer's team (owner, manager or scanner) through the public API. */
export async function addToTeam(app: App, owner: TestUser, slug: string, email: string, role: string): Promise<void> {
  const team = await app.inject({
    method: 'PUT',
    url: `/api/organizers/${slug}/team`,
    headers: owner.bearer,
    payload: { email, role },
  });
  expect(team.statusCode, team.body).toBe(200);
}

/**
 * A draft event with nothing to sell yet, of a new organizer of `owner` (or of `fields.organizer`);
 * `fields` go into the event as given.
 */
export async function createDraftEvent(
  app: App,
  database: Database,
  owner: TestUser,
  fields: Record<string, unknown> = {},
): Promise<{ id: number; slug: string }> {
  let slug = typeof fields.organizer === 'string' ? fields.organizer : undefined;
  if (!slug) {
    await grantRole(database, owner.id, 'organizer');
    slug = `org-${randomUUID().slice(0, 8)}`;
    const organizer = await app.inject({
      method: 'POST',
      url: '/api/organizers',
      headers: owner.bearer,
      payload: { slug, name: slug },
    });
    expect(organizer.statusCode, organizer.body).toBe(201);
  }
  const event = await app.inject({
    method: 'POST',
    url: '/api/events',
    headers: owner.bearer,
    payload: {
      title: `Событие ${slug}`,
      type: 'concert',
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      ...fields,
      organizer: slug,
    },
  });
  expect(event.statusCode, event.body).toBe(201);
  return { id: event.json<{ id: number }>().id, slug };
}
