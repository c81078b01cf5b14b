import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import { edgeCacheOf, type App } from '../../platform/http/server.ts';
import { sendJsonBytes, sharedJsonSerializer } from '../../platform/http/shared-json.ts';
import {
  CancelEventBody,
  CreateEventBody,
  CreateOrganizerBody,
  EventIdParams,
  EventSchema,
  EventSummarySchema,
  FaqBody,
  OrganizerPageSchema,
  SearchQuery,
  SlugParams,
  TeamMemberBody,
  TeamMemberParams,
  UpdateEventBody,
  UpdateOrganizerBody,
} from './catalog.schemas.ts';
import { TEAM_ROLES } from './catalog.tables.ts';
import type { EventsService } from './events.service.ts';
import type { OrganizersService } from './organizers.service.ts';

const EventRef = Type.Ref('Event');
const PageRef = Type.Ref('OrganizerPage');
const Summaries = Type.Array(Type.Ref('EventSummary'));
const MyOrganizers = Type.Array(
  Type.Object({ slug: Type.String(), name: Type.String(), role: Type.String({ enum: [...TEAM_ROLES] }) }),
);

export function registerCatalogRoutes(app: App, organizers: OrganizersService, events: EventsService): void {
  app.addSchema(EventSummarySchema);
  app.addSchema(OrganizerPageSchema);
  app.addSchema(EventSchema);
  const tags = ['organizers'];

  app.post(
    '/api/organizers',
    {
      config: { access: 'organizer' },
      schema: {
        tags,
        summary: 'Create a brand page; you become its owner.',
        body: CreateOrganizerBody,
        response: { 201: PageRef },
      },
    },
    async (request, reply) => reply.code(201).send(await organizers.create(principalOf(request), request.body)),
  );
  app.get(
    '/api/organizers/:slug',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'A brand page with upcoming events, team and FAQ.',
        params: SlugParams,
        response: { 200: PageRef },
      },
    },
    async (request) => organizers.page(request.params.slug),
  );
  app.patch(
    '/api/organizers/:slug',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Edit the brand page (owners).',
        params: SlugParams,
        body: UpdateOrganizerBody,
        response: { 200: PageRef },
      },
    },
    async (request) => organizers.update(principalOf(request), request.params.slug, request.body),
  );
  app.put(
    '/api/organizers/:slug/team',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Add a team member or change their role (owners).',
        params: SlugParams,
        body: TeamMemberBody,
        response: { 200: PageRef },
      },
    },
    async (request) => organizers.setTeamMember(principalOf(request), request.params.slug, request.body.email, request.body.role),
  );
  app.delete(
    '/api/organizers/:slug/team/:userId',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Remove a team member (owners).', params: TeamMemberParams, response: { 200: PageRef } },
    },
    async (request) => organizers.removeTeamMember(principalOf(request), request.params.slug, request.params.userId),
  );
  app.put(
    '/api/organizers/:slug/faq',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Replace the FAQ, in order (owners).',
        params: SlugParams,
        body: FaqBody,
        response: { 200: PageRef },
      },
    },
    async (request) => organizers.replaceFaq(principalOf(request), request.params.slug, request.body.items),
  );
  app.get(
    '/api/organizers/:slug/events',
    {
      config: { access: 'optional' },
      schema: {
        tags,
        summary: "The organizer's events: every status for its team, published and past ones for others.",
        params: SlugParams,
        response: { 200: Summaries },
      },
    },
    async (request) => events.listForOrganizer(request.principal, request.params.slug),
  );

  const eventTags = ['events'];
  const serializeSearch = sharedJsonSerializer();
  const edgeCache = edgeCacheOf(app);
  app.get(
    '/api/events',
    {
      config: { access: 'public' },
      schema: {
        tags: eventTags,
        summary: 'Search published and past events (full text in Russian and English, typo-tolerant).',
        querystring: SearchQuery,
        response: { 200: Summaries },
      },
    },
    // Results come from the search cache, so most answers are the same few arrays: they are serialized
    // once, and the edge cache repeats the bytes for the same URL while the search cache keeps them.
    async (request, reply) => {
      const found = await events.searchChecked(request.query);
      const body = serializeSearch(reply, found.events);
      edgeCache.store(request, body, found.isCurrent);
      return sendJsonBytes(reply, body);
    },
  );
  app.post(
    '/api/events',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'Create a draft event (organizer team owners and managers).',
        body: CreateEventBody,
        response: { 201: EventRef },
      },
    },
    async (request, reply) => {
      const { organizer, ...input } = request.body;
      return reply.code(201).send(await events.create(principalOf(request), organizer, input));
    },
  );
  app.get(
    '/api/events/:id',
    {
      config: { access: 'optional' },
      schema: {
        tags: eventTags,
        summary: 'One event (drafts only for their team).',
        params: EventIdParams,
        response: { 200: EventRef },
      },
    },
    async (request) => events.get(request.principal, request.params.id),
  );
  app.put(
    '/api/events/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'Edit an event: anything while DRAFT, only description and images once PUBLISHED.',
        params: EventIdParams,
        body: UpdateEventBody,
        response: { 200: EventRef },
      },
    },
    async (request) => events.update(principalOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/events/:id/publish',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'DRAFT → PUBLISHED, if it starts in the future and has something to sell.',
        params: EventIdParams,
        response: { 200: EventRef },
      },
    },
    async (request) => events.publish(principalOf(request), request.params.id),
  );
  app.post(
    '/api/events/:id/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'DRAFT or PUBLISHED → CANCELLED; bookings are cancelled and refunded.',
        params: EventIdParams,
        body: CancelEventBody,
        response: { 200: EventRef },
      },
    },
    async (request) => events.cancel(principalOf(request), request.params.id, request.body.reason ?? ''),
  );
  app.post(
    '/api/events/:id/favorite',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'Add to your favourites (idempotent).',
        params: EventIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await events.favorite(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/api/events/:id/favorite',
    {
      config: { access: 'user' },
      schema: {
        tags: eventTags,
        summary: 'Remove from your favourites (idempotent).',
        params: EventIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await events.unfavorite(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/users/me/organizers',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'The brands you are on the team of, with your role.', response: { 200: MyOrganizers } },
    },
    async (request) => organizers.mine(principalOf(request)),
  );
  app.get(
    '/api/users/me/favorites',
    { config: { access: 'user' }, schema: { tags: eventTags, summary: 'Your favourite events.', response: { 200: Summaries } } },
    async (request) => events.favorites(principalOf(request)),
  );
}
