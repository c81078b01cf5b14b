import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/platform/http/server.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { grantRole, type TestUser } from './users.ts';

export interface EventSetup {
  /** Default: "Событие <slug>". */
  title?: string;
  venue?: string;
  ttlSeconds?: number;
  policy?: Record<string, unknown>;
  zones?: { name: string; price: number; rows: number; seats_per_row: number }[];
  ticketTypes?: {
    type: string;
    name: string;
    price: number;
    quantity: number;
    max_per_order?: number;
    sales_start?: string;
    sales_end?: string;
    hidden?: boolean;
  }[];
}

/** An organizer with a published event, through the public API: seats and/or ticket types. */
export async function createPublishedEvent(app: App, database: Database, owner: TestUser, setup: EventSetup) {
  const draft = await createDraftEvent(app, database, owner, setup);
  const published = await app.inject({ method: 'POST', url: `/api/events/${draft.eventId}/publish`, headers: owner.bearer });
  expect(published.statusCode, published.body).toBe(200);
  return draft;
}

/**
 * A draft event ready to publish, through the public API: seats and/or ticket types; of a new
 * organizer of `owner`, or of the organizer `setup.organizer` names.
 */
export async function createDraftEvent(
  app: App,
  database: Database,
  owner: TestUser,
  setup: EventSetup & { organizer?: string } = {},
) {
  let slug = setup.organizer;
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
  const created = await app.inject({
    method: 'POST',
    url: '/api/events',
    headers: owner.bearer,
    payload: {
      organizer: slug,
      title: setup.title ?? `Событие ${slug}`,
      ...(setup.venue ? { venue: setup.venue } : {}),
      type: 'concert',
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      hold_ttl_seconds: setup.ttlSeconds ?? 1800,
      ...(setup.policy ? { policy: setup.policy } : {}),
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const eventId = created.json<{ id: number }>().id;
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
