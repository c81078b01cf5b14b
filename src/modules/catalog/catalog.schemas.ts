import { Type } from 'typebox';
import { EVENT_STATUSES, EVENT_TYPES, TEAM_ROLES } from './catalog.tables.ts';
import { Id, Page } from '../../platform/http/schemas.ts';

// Web addresses only: they are shown as links and images, where javascript: or data: would be a hazard.
const Url = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });
const Slug = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  minLength: 2,
  maxLength: 64,
  description: 'Lowercase letters, digits and dashes.',
});
const Status = Type.Union(EVENT_STATUSES.map((status) => Type.Literal(status)));
const EventTypeSchema = Type.Union(EVENT_TYPES.map((type) => Type.Literal(type)));
const TeamRoleSchema = Type.Union(TEAM_ROLES.map((role) => Type.Literal(role)));
const DateTime = Type.String({ format: 'date-time', maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const ContactsSchema = Type.Object(
  {
    site: Type.Optional(Url),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    telegram: Type.Optional(Type.String({ maxLength: 64 })),
    socials: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Url)),
  },
  { additionalProperties: false },
);

const OrganizerFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  logo_url: Type.Optional(Nullable(Url)),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  contacts: Type.Optional(ContactsSchema),
  brand_color: Type.Optional(
    Nullable(Type.String({ pattern: '^#[0-9a-fA-F]{6}$', maxLength: 7, description: 'Hex color, e.g. #1f6feb.' })),
  ),
};

export const CreateOrganizerBody = Type.Object({ slug: Slug, ...OrganizerFields }, { additionalProperties: false });
export const UpdateOrganizerBody = Type.Object(
  { slug: Type.Optional(Slug), ...OrganizerFields, name: Type.Optional(OrganizerFields.name) },
  { additionalProperties: false, minProperties: 1 },
);
export const SlugParams = Type.Object({ slug: Slug });
export const TeamMemberBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: TeamRoleSchema },
  { additionalProperties: false },
);
export const TeamMemberParams = Type.Object({ slug: Slug, userId: Id });
export const FaqBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { question: Type.String({ minLength: 1, maxLength: 500 }), answer: Type.String({ minLength: 1, maxLength: 5000 }) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const EventSummarySchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    type: Type.String(),
    venue: Type.String(),
    starts_at: DateTime,
    timezone: Type.String({ description: "The venue's IANA time zone, to show starts_at in." }),
    local_date: Type.String({ format: 'date' }),
    status: Status,
    organizer_id: Nullable(Type.Integer()),
  },
  { $id: 'EventSummary' },
);

export const OrganizerPageSchema = Type.Object(
  {
    slug: Type.String(),
    name: Type.String(),
    logo_url: Nullable(Type.String()),
    description: Type.String(),
    contacts: ContactsSchema,
    brand_color: Nullable(Type.String()),
    team: Type.Array(Type.Object({ user_id: Type.Integer(), display_name: Type.String(), role: TeamRoleSchema })),
    faq: Type.Array(Type.Object({ question: Type.String(), answer: Type.String() })),
    upcoming_events: Type.Array(Type.Ref('EventSummary')),
  },
  { $id: 'OrganizerPage' },
);

export const PolicySchema = Type.Object(
  {
    max_tickets_per_order: Type.Integer({ minimum: 1, maximum: 1000 }),
    contact_required: Type.Boolean({ description: 'Buyers need a phone or telegram in their profile.' }),
    one_active_booking_per_user: Type.Boolean({ description: 'At most one open booking per user for this event.' }),
    max_tickets_per_user: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], {
      description:
        'Most tickets or seats one user may hold or own for this event over all orders (against scalping); null: no cap.',
    }),
  },
  { additionalProperties: false },
);

const EventFields = {
  title: Type.String({ minLength: 1, maxLength: 300 }),
  description: Type.Optional(Type.String({ maxLength: 20_000 })),
  type: EventTypeSchema,
  venue: Type.Optional(Type.String({ maxLength: 300 })),
  address: Type.Optional(Type.String({ maxLength: 500 })),
  timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone of the venue, e.g. Asia/Almaty.' })),
  starts_at: DateTime,
  ends_at: Type.Optional(Nullable(DateTime)),
  hold_ttl_seconds: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 86_400, description: 'How long a booking holds seats while unpaid.' }),
  ),
  policy: Type.Optional(Type.Partial(PolicySchema, { additionalProperties: false })),
  images: Type.Optional(Type.Array(Url, { maxItems: 20 })),
};

export const CreateEventBody = Type.Object({ organizer: Slug, ...EventFields }, { additionalProperties: false });
export const UpdateEventBody = Type.Object(
  {
    ...EventFields,
    title: Type.Optional(EventFields.title),
    type: Type.Optional(EventFields.type),
    starts_at: Type.Optional(DateTime),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const CancelEventBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const EventSchema = Type.Object(
  {
    id: Type.Integer(),
    organizer_id: Nullable(Type.Integer()),
    title: Type.String(),
    description: Type.String(),
    type: Type.String(),
    venue: Type.String(),
    address: Type.String(),
    timezone: Type.String(),
    starts_at: DateTime,
    ends_at: Nullable(DateTime),
    local_date: Type.String({ format: 'date' }),
    status: Status,
    hold_ttl_seconds: Type.Integer(),
    policy: PolicySchema,
    images: Type.Array(Type.String()),
    provider: Nullable(Type.String()),
    published_at: Nullable(DateTime),
    organizer_slug: Type.Optional(
      Nullable(Type.String({ description: "The organizer's brand page (/api/organizers/:slug); in GET /api/events/:id." })),
    ),
  },
  { $id: 'Event' },
);

export const EventIdParams = Type.Object({ id: Id });

export const SearchQuery = Type.Object({
  query: Type.Optional(
    Type.String({ maxLength: 200, description: 'Words in Russian or English; typos fall back to similar titles.' }),
  ),
  date: Type.Optional(
    Type.String({ format: 'date', maxLength: 10, description: 'The calendar day the event starts on, at its venue.' }),
  ),
  type: Type.Optional(EventTypeSchema),
  organizer: Type.Optional(Slug),
  when: Type.Optional(
    Type.Union([Type.Literal('upcoming'), Type.Literal('past'), Type.Literal('all')], {
      description: 'Default: upcoming without query or date, all with one.',
    }),
  ),
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 20, default: 20 }),
});
