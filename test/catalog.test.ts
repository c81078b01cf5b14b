import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.ts';
import { expectOnlyOwnerCan, grantRole, signUp, type TestUser } from './support/users.ts';

let service: TestService;
let owner: TestUser;
let stranger: TestUser;
const slug = 'aurora-live';

beforeAll(async () => {
  service = await startTestService();
  owner = await signUp(service.app);
  stranger = await signUp(service.app);
  await grantRole(service.database, owner.id, 'organizer');
  const created = await inject({
    method: 'POST',
    url: '/api/organizers',
    headers: owner.bearer,
    payload: {
      slug,
      name: 'Aurora Live',
      brand_color: '#1f6feb',
      contacts: { site: 'https://aurora.example', telegram: '@aurora' },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
});
afterAll(async () => {
  await service.stop();
});

const inject = (options: InjectOptions) => service.app.inject(options);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function createEvent(overrides: Record<string, unknown> = {}, headers = owner.bearer) {
  const response = await inject({
    method: 'POST',
    url: '/api/events',
    headers,
    payload: { organizer: slug, title: 'Вечер джаза', type: 'concert', starts_at: inDays(30), ...overrides },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: number; status: string }>();
}

async function publish(id: number) {
  // Something to sell first: an event without inventory cannot be published.
  const ticketType = await inject({
    method: 'POST',
    url: `/api/events/${id}/ticket-types`,
    headers: owner.bearer,
    payload: { type: 'standard', name: 'Входной', price: 500_000, quantity: 100 },
  });
  expect(ticketType.statusCode, ticketType.body).toBe(201);
  const response = await inject({ method: 'POST', url: `/api/events/${id}/publish`, headers: owner.bearer });
  expect(response.statusCode, response.body).toBe(200);
}

async function outboxTypes(eventId: number): Promise<string[]> {
  const rows = await sql<{
    type: string;
  }>`select type from platform.outbox where aggregate_id = ${String(eventId)} order by id`.execute(service.database.db);
  return rows.rows.map((row) => row.type);
}

describe('organizers', () => {
  it('are created only by organizers', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/organizers',
      headers: stranger.bearer,
      payload: { slug: 'nope', name: 'Nope' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('refuse a taken slug and a malformed brand colour', async () => {
    const taken = await inject({
      method: 'POST',
      url: '/api/organizers',
      headers: owner.bearer,
      payload: { slug, name: 'Again' },
    });
    expect(taken.statusCode).toBe(409);
    const color = await inject({
      method: 'POST',
      url: '/api/organizers',
      headers: owner.bearer,
      payload: { slug: 'other', name: 'X', brand_color: 'blue' },
    });
    expect(color.statusCode).toBe(400);
    expect(color.json<{ errors: { field: string }[] }>().errors.map((error) => error.field)).toContain('body/brand_color');
  });

  it('show a public page with the team, the FAQ in order and upcoming published events only', async () => {
    const faq = await inject({
      method: 'PUT',
      url: `/api/organizers/${slug}/faq`,
      headers: owner.bearer,
      payload: {
        items: [
          { question: 'Можно с детьми?', answer: 'Да, с 6 лет.' },
          { question: 'Парковка?', answer: 'Есть.' },
        ],
      },
    });
    expect(faq.statusCode).toBe(200);
    const draft = await createEvent({ title: 'Черновик' });
    const published = await createEvent({ title: 'Опубликованный вечер' });
    await publish(published.id);
    const page = await inject({ method: 'GET', url: `/api/organizers/${slug}` });
    expect(page.statusCode).toBe(200);
    const body = page.json<{ team: { role: string }[]; faq: { question: string }[]; upcoming_events: { id: number }[] }>();
    expect(body.team).toEqual([expect.objectContaining({ user_id: owner.id, role: 'owner' }) as unknown]);
    expect(body.faq.map((item) => item.question)).toEqual(['Можно с детьми?', 'Парковка?']);
    const ids = body.upcoming_events.map((event) => event.id);
    expect(ids).toContain(published.id);
    expect(ids).not.toContain(draft.id);
  });

  it('let only owners edit the page', async () => {
    await expectOnlyOwnerCan(
      service.app,
      { method: 'PATCH', url: `/api/organizers/${slug}`, payload: { description: 'Лучшие концерты города' } },
      { owner: owner.bearer, other: stranger.bearer },
      async () => (await inject({ method: 'GET', url: `/api/organizers/${slug}` })).json<unknown>(),
    );
  });

  it('take only web addresses for the logo and links of a brand page', async () => {
    for (const payload of [{ logo_url: 'javascript:alert(1)' }, { contacts: { site: 'data:text/html,<script>1</script>' } }]) {
      const response = await inject({ method: 'PATCH', url: `/api/organizers/${slug}`, headers: owner.bearer, payload });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ type: 'https://sbor.dev/problems/validation-error' });
    }
    const fine = await inject({
      method: 'PATCH',
      url: `/api/organizers/${slug}`,
      headers: owner.bearer,
      payload: { logo_url: 'https://cdn.example/logo.png' },
    });
    expect(fine.statusCode, fine.body).toBe(200);
  });

  it('give managers the events but not the page, and keep at least one owner', async () => {
    const manager = await signUp(service.app);
    const added = await inject({
      method: 'PUT',
      url: `/api/organizers/${slug}/team`,
      headers: owner.bearer,
      payload: { email: manager.email, role: 'manager' },
    });
    expect(added.statusCode, added.body).toBe(200);
    await createEvent({ title: 'От менеджера' }, manager.bearer);
    const edit = await inject({
      method: 'PATCH',
      url: `/api/organizers/${slug}`,
      headers: manager.bearer,
      payload: { name: 'Hijack' },
    });
    expect(edit.statusCode).toBe(403);
    const demoteSelf = await inject({
      method: 'PUT',
      url: `/api/organizers/${slug}/team`,
      headers: owner.bearer,
      payload: { email: owner.email, role: 'manager' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    // Each member finds the brand among their own, with their role there.
    const mine = async (user: { bearer: Record<string, string> }) =>
      (await inject({ method: 'GET', url: '/api/users/me/organizers', headers: user.bearer })).json<unknown[]>();
    expect(await mine(manager)).toEqual([expect.objectContaining({ slug, role: 'manager' })]);
    expect(await mine(owner)).toContainEqual(expect.objectContaining({ slug, role: 'owner' }));
    expect(await mine(await signUp(service.app))).toEqual([]);
  });
});

describe('the event lifecycle', () => {
  it('keeps events to their organizer team', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/events',
      headers: stranger.bearer,
      payload: { organizer: slug, title: 'Чужое', type: 'concert', starts_at: inDays(10) },
    });
    expect(response.statusCode).toBe(403);
    const event = await createEvent();
    await expectOnlyOwnerCan(
      service.app,
      { method: 'PUT', url: `/api/events/${event.id}`, payload: { title: 'Переименовано' } },
      { owner: owner.bearer, other: stranger.bearer },
      async () =>
        sql`select title, status from catalog.events where id = ${event.id}`.execute(service.database.db).then((r) => r.rows),
    );
  });

  it('goes DRAFT → PUBLISHED → CANCELLED and refuses illegal moves with 409', async () => {
    const event = await createEvent({ hold_ttl_seconds: 600 });
    expect(event.status).toBe('DRAFT');
    await publish(event.id);
    const again = await inject({ method: 'POST', url: `/api/events/${event.id}/publish`, headers: owner.bearer });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: 'https://sbor.dev/problems/illegal-event-transition', status: 409 });
    const cancel = await inject({
      method: 'POST',
      url: `/api/events/${event.id}/cancel`,
      headers: owner.bearer,
      payload: { reason: 'Артист заболел' },
    });
    expect(cancel.json()).toMatchObject({ status: 'CANCELLED' });
    expect(
      (await inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, headers: owner.bearer, payload: {} })).statusCode,
    ).toBe(409);
    expect(await outboxTypes(event.id)).toEqual(['event.published', 'event.cancelled']);
  });

  it('edits anything in a draft and only description and images once published', async () => {
    const event = await createEvent();
    const draftEdit = await inject({
      method: 'PUT',
      url: `/api/events/${event.id}`,
      headers: owner.bearer,
      payload: { title: 'Новое имя', venue: 'Зал' },
    });
    expect(draftEdit.json()).toMatchObject({ title: 'Новое имя', venue: 'Зал' });
    await publish(event.id);
    const locked = await inject({
      method: 'PUT',
      url: `/api/events/${event.id}`,
      headers: owner.bearer,
      payload: { starts_at: inDays(40) },
    });
    expect(locked.statusCode).toBe(409);
    expect(locked.json()).toMatchObject({ type: 'https://sbor.dev/problems/event-not-editable', fields: ['starts_at'] });
    const allowed = await inject({
      method: 'PUT',
      url: `/api/events/${event.id}`,
      headers: owner.bearer,
      payload: { description: 'Подробности' },
    });
    expect(allowed.json()).toMatchObject({ description: 'Подробности', title: 'Новое имя' });
  });

  it('does not publish an event with nothing to sell', async () => {
    const event = await createEvent();
    const response = await inject({ method: 'POST', url: `/api/events/${event.id}/publish`, headers: owner.bearer });
    expect(response.statusCode).toBe(422);
    expect(response.json<{ detail: string }>().detail).toContain('no ticket types or seats to sell');
  });

  it('does not publish an event that has already started', async () => {
    const event = await createEvent({ starts_at: inDays(-1) });
    const response = await inject({ method: 'POST', url: `/api/events/${event.id}/publish`, headers: owner.bearer });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ type: 'https://sbor.dev/problems/event-not-sellable' });
  });

  it('shows a draft to its team only', async () => {
    const event = await createEvent();
    expect((await inject({ method: 'GET', url: `/api/events/${event.id}` })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/events/${event.id}`, headers: stranger.bearer })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: `/api/events/${event.id}`, headers: owner.bearer })).statusCode).toBe(200);
    const list = await inject({ method: 'GET', url: `/api/organizers/${slug}/events`, headers: owner.bearer });
    expect(list.json<{ id: number }[]>().map((item) => item.id)).toContain(event.id);
    const publicList = await inject({ method: 'GET', url: `/api/organizers/${slug}/events` });
    expect(publicList.json<{ id: number }[]>().map((item) => item.id)).not.toContain(event.id);
  });

  it("names the organizer's brand page, so an event page can link to it", async () => {
    const event = await createEvent();
    await publish(event.id);
    const response = await inject({ method: 'GET', url: `/api/events/${event.id}` });
    expect(response.json()).toMatchObject({ id: event.id, organizer_slug: slug });
    const brand = await inject({
      method: 'GET',
      url: `/api/organizers/${response.json<{ organizer_slug: string }>().organizer_slug}`,
    });
    expect(brand.json()).toMatchObject({ name: 'Aurora Live' });
  });

  it('completes ended events and sends one reminder per event however often the job runs', async () => {
    const soon = await createEvent({ title: 'Скоро', starts_at: new Date(Date.now() + 12 * 3_600_000).toISOString() });
    await publish(soon.id);
    const later = await createEvent({ title: 'Нескоро', starts_at: inDays(5) });
    await publish(later.id);
    const sent = await Promise.all([service.catalog.events.sendDueReminders(), service.catalog.events.sendDueReminders()]);
    await service.catalog.events.sendDueReminders();
    expect(sent.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(1);
    expect((await outboxTypes(soon.id)).filter((type) => type === 'event.reminder')).toHaveLength(1);
    expect(await outboxTypes(later.id)).not.toContain('event.reminder');

    await sql`update catalog.events set starts_at = now() - interval '5 hours', ends_at = now() - interval '1 hour' where id = ${soon.id}`.execute(
      service.database.db,
    );
    await service.catalog.events.completeEnded();
    expect((await inject({ method: 'GET', url: `/api/events/${soon.id}` })).json()).toMatchObject({ status: 'COMPLETED' });
    expect(await outboxTypes(soon.id)).toContain('event.completed');
  });
});

describe('GET /api/events (search)', () => {
  let searcher: TestService;
  beforeAll(async () => {
    searcher = await startTestService();
    const db = searcher.database.db;
    // As the HackLoad import lays them down: published upcoming events and a past archive.
    await sql`
      insert into catalog.events (id, title, description, type, timezone, starts_at, status, provider) values
        (1, 'Концерт мировой звезды Селеста Морейра', 'Большой концерт на стадионе', 'concert', 'Asia/Almaty', '2027-03-01 14:00Z', 'PUBLISHED', 'hackload'),
        (2, 'Симфонические концерты весны', '', 'concert', 'Asia/Almaty', '2027-03-02 14:00Z', 'PUBLISHED', 'hackload'),
        (3, 'Red Hot Chili Concert', 'An evening of rock', 'concert', 'Europe/London', '2027-03-03 19:00Z', 'PUBLISHED', null),
        (4, 'Выставка «Звездные войны»', 'Экспозиция "Звездные войны" в музее', 'exhibition', 'Asia/Almaty', '2027-03-04 05:00Z', 'PUBLISHED', null),
        (5, 'Новогодний бал', '', 'stage', 'Asia/Almaty', '2026-12-31 20:00Z', 'PUBLISHED', null),
        (6, 'Красная шапочка', 'Спектакль для детей', 'stage', 'Asia/Almaty', '2024-12-25 06:00Z', 'COMPLETED', null),
        (7, 'Вечер о концерте', 'Лекция: как устроен концерт', 'other', 'Asia/Almaty', '2027-03-05 14:00Z', 'PUBLISHED', null),
        (8, 'Секретный черновик концерта', '', 'concert', 'Asia/Almaty', '2027-03-06 14:00Z', 'DRAFT', null)
    `.execute(db);
  });
  afterAll(async () => {
    await searcher.stop();
  });
  const search = async (query: string) => {
    const response = await searcher.app.inject({ method: 'GET', url: `/api/events?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ id: number; title: string }[]>().map((event) => event.id);
  };

  it('finds Russian words by their stem and ranks title matches above description matches', async () => {
    const ids = await search(`query=${encodeURIComponent('концерты')}`);
    expect(ids).toEqual(expect.arrayContaining([1, 2, 7]));
    expect(ids).not.toContain(8);
    expect(ids.indexOf(1)).toBeLessThan(ids.indexOf(7));
  });

  it('finds English words by their stem too', async () => {
    expect(await search('query=concerts')).toEqual([3]);
  });

  it('falls back to similar titles when a typo matches no word', async () => {
    expect(await search(`query=${encodeURIComponent('Красная шапчка')}`)).toEqual([6]);
  });

  it('filters by the calendar day at the venue, not in UTC', async () => {
    // 2026-12-31 20:00 UTC is already 1 January 2027 in Almaty (UTC+5).
    expect(await search('date=2027-01-01')).toEqual([5]);
    expect(await search('date=2026-12-31')).toEqual([]);
  });

  it("gives each found event its venue's time zone and calendar day, to show its start in", async () => {
    const response = await searcher.app.inject({ method: 'GET', url: '/api/events?query=concerts' });
    expect(response.json()).toEqual([
      expect.objectContaining({
        id: 3,
        starts_at: '2027-03-03T19:00:00.000Z',
        timezone: 'Europe/London',
        local_date: '2027-03-03',
      }),
    ]);
    const newYear = await searcher.app.inject({ method: 'GET', url: '/api/events?date=2027-01-01' });
    expect(newYear.json()).toEqual([expect.objectContaining({ id: 5, timezone: 'Asia/Almaty', local_date: '2027-01-01' })]);
  });

  it('searches past events with a query and the HackLoad date', async () => {
    expect(await search(`query=${encodeURIComponent('Красная шапочка')}&date=2024-12-25`)).toEqual([6]);
    expect(await search(`query=${encodeURIComponent('Экспозиция "Звездные войны"')}`)).toEqual([4]);
  });

  it('lists upcoming events by start time with stable pages of at most 20', async () => {
    const all = await search('page=1&pageSize=20');
    expect(all).toEqual([5, 1, 2, 3, 4, 7]);
    const pages = [await search('page=1&pageSize=2'), await search('page=2&pageSize=2'), await search('page=3&pageSize=2')];
    expect(pages.flat()).toEqual(all);
    const tooBig = await searcher.app.inject({ method: 'GET', url: '/api/events?pageSize=21' });
    expect(tooBig.statusCode).toBe(400);
  });
});

describe('favourites', () => {
  it('are added idempotently, listed and removed', async () => {
    const event = await createEvent({ title: 'Любимое' });
    await publish(event.id);
    const fan = await signUp(service.app);
    for (let time = 0; time < 2; time += 1) {
      expect((await inject({ method: 'POST', url: `/api/events/${event.id}/favorite`, headers: fan.bearer })).statusCode).toBe(
        204,
      );
    }
    const list = await inject({ method: 'GET', url: '/api/users/me/favorites', headers: fan.bearer });
    expect(list.json<{ id: number }[]>().map((item) => item.id)).toEqual([event.id]);
    await inject({ method: 'DELETE', url: `/api/events/${event.id}/favorite`, headers: fan.bearer });
    expect((await inject({ method: 'GET', url: '/api/users/me/favorites', headers: fan.bearer })).json()).toEqual([]);
  });

  it('cannot point at a draft one cannot see', async () => {
    const draft = await createEvent({ title: 'Скрытое' });
    const fan = await signUp(service.app);
    expect((await inject({ method: 'POST', url: `/api/events/${draft.id}/favorite`, headers: fan.bearer })).statusCode).toBe(404);
  });
});
