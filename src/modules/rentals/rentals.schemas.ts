import { Type } from 'typebox';
import { Amount, Id } from '../../platform/http/schemas.ts';
import { WEEKDAYS } from './rentals.clock.ts';
import { RENTAL_STATUSES, WATCH_STATUSES } from './rentals.tables.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * An integer or null as one JSON Schema type list, not an anyOf: Fastify's Ajv coerces types, and
 * in `anyOf: [integer, null]` it turns null into 0 before the null branch is tried (an extra "with
 * no limit" became one with a stock of 0). With `type: [integer, null]` a null matches as it is.
 */
const NullableInteger = (options: { minimum: number; maximum: number; description?: string }) =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });

const Slug = Type.String({ minLength: 1, maxLength: 100 });
const Clock = Type.String({
  pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
  maxLength: 5,
  description: 'Local wall-clock time HH:MM on a quarter hour; 24:00 is the end of the day.',
});
const LocalDate = Type.String({ format: 'date', maxLength: 10, description: 'A local date, YYYY-MM-DD.' });
const Instant = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'An ISO 8601 instant on a quarter hour of the hall’s local time.',
});
const Currency = Type.String({ pattern: '^[A-Z]{3}$', maxLength: 3 });
const Weekday = Type.Enum([...WEEKDAYS]);
const DayHours = Nullable(Type.Object({ open: Clock, close: Clock }, { additionalProperties: false }));
const OpeningHours = Type.Object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, Type.Optional(DayHours)])) as Record<
    (typeof WEEKDAYS)[number],
    ReturnType<typeof Type.Optional<typeof DayHours>>
  >,
  { additionalProperties: false, description: 'Hours per weekday in local time; a missing or null day is closed.' },
);
const Cancellation = Type.Object(
  {
    full_refund_hours: Type.Integer({
      minimum: 0,
      maximum: 8760,
      description: 'Full refund until this many hours before the start.',
    }),
    partial_refund_hours: Type.Integer({
      minimum: 0,
      maximum: 8760,
      description: 'Then a percentage until this many hours before.',
    }),
    partial_refund_percent: Type.Integer({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);

const HallFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  photos: Type.Optional(Type.Array(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), { maxItems: 20 })),
  capacity: Type.Optional(NullableInteger({ minimum: 1, maximum: 100_000, description: 'People.' })),
  area_sq_m: Type.Optional(NullableInteger({ minimum: 1, maximum: 1_000_000 })),
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Almaty.' }),
  opening_hours: OpeningHours,
  buffer_minutes: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1440, multipleOf: 15, description: 'Kept free after each rental. Default 0.' }),
  ),
  min_minutes: Type.Optional(Type.Integer({ minimum: 15, maximum: 10_080, multipleOf: 15, description: 'Default 15.' })),
  max_minutes: Type.Optional(
    Type.Integer({ minimum: 15, maximum: 10_080, multipleOf: 15, description: 'Default 1440 (24 hours).' }),
  ),
  min_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525_600, description: 'Default 0.' })),
  horizon_days: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1830, description: 'How far ahead a rental may start. Default 365.' }),
  ),
  hold_ttl_seconds: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 86_400, description: 'How long a hold waits for payment. Default 900.' }),
  ),
  cancellation: Type.Optional(Cancellation),
};

export const CreateHallBody = Type.Object(HallFields, { additionalProperties: false });
export const PatchHallBody = Type.Object(
  {
    ...HallFields,
    name: Type.Optional(HallFields.name),
    timezone: Type.Optional(HallFields.timezone),
    opening_hours: Type.Optional(OpeningHours),
  },
  { additionalProperties: false },
);

export const SlugParams = Type.Object({ slug: Slug });
export const HallParams = Type.Object({ id: Id });
export const ClosureParams = Type.Object({ id: Id, closureId: Id });
export const RentalParams = Type.Object({ id: Id });

const Band = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50 }),
    days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
    from: Clock,
    to: Clock,
    price_per_hour: Amount,
  },
  { additionalProperties: false },
);
const Holiday = Type.Object(
  { date: LocalDate, band: Type.String({ minLength: 1, maxLength: 50, description: 'The band that prices the whole date.' }) },
  { additionalProperties: false },
);
const TariffFields = {
  currency: Currency,
  bands: Type.Array(Band, { minItems: 1, maxItems: 50, description: 'The first listed band covering a quarter hour prices it.' }),
  holidays: Type.Optional(Type.Array(Holiday, { maxItems: 366 })),
  minimum_charge: Type.Optional(Amount),
};
export const TariffBody = Type.Object(TariffFields, { additionalProperties: false });

const TariffSchema = Type.Object({
  currency: Type.String(),
  bands: Type.Array(
    Type.Object({
      name: Type.String(),
      days: Type.Array(Weekday),
      from: Type.String(),
      to: Type.String(),
      price_per_hour: Type.Integer(),
    }),
  ),
  holidays: Type.Array(Type.Object({ date: Type.String(), band: Type.String() })),
  minimum_charge: Type.Integer(),
});

const ClosureSchema = Type.Object({
  id: Type.Integer(),
  starts_on: Type.String(),
  ends_on: Type.String(),
  reason: Type.String(),
});

const DayHoursOut = Nullable(Type.Object({ open: Type.String(), close: Type.String() }));
export const HallSchema = Type.Object({
  id: Type.Integer(),
  organizer_id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  photos: Type.Array(Type.String()),
  capacity: Nullable(Type.Integer()),
  area_sq_m: Nullable(Type.Integer()),
  timezone: Type.String(),
  opening_hours: Type.Object(
    Object.fromEntries(WEEKDAYS.map((day) => [day, DayHoursOut])) as Record<(typeof WEEKDAYS)[number], typeof DayHoursOut>,
  ),
  buffer_minutes: Type.Integer(),
  min_minutes: Type.Integer(),
  max_minutes: Type.Integer(),
  min_notice_minutes: Type.Integer(),
  horizon_days: Type.Integer(),
  hold_ttl_seconds: Type.Integer(),
  cancellation: Type.Object({
    full_refund_hours: Type.Integer(),
    partial_refund_hours: Type.Integer(),
    partial_refund_percent: Type.Integer(),
  }),
  tariff: Nullable(TariffSchema),
  closures: Type.Array(ClosureSchema, { description: 'Closures from yesterday on.' }),
});

export const ExtraBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    pricing: Type.Union([Type.Literal('per_hour'), Type.Literal('per_rental')]),
    price: Amount,
    currency: Currency,
    stock: Type.Optional(
      NullableInteger({ minimum: 0, maximum: 100_000, description: 'Shared by all halls of the studio; null: no limit.' }),
    ),
  },
  { additionalProperties: false },
);
/** Any of an extra's fields; what is left out stays. */
export const PatchExtraBody = Type.Object(
  Object.fromEntries(Object.entries(ExtraBody.properties).map(([name, schema]) => [name, Type.Optional(schema)])) as {
    [Name in keyof typeof ExtraBody.properties]: ReturnType<typeof Type.Optional<(typeof ExtraBody.properties)[Name]>>;
  },
  { additionalProperties: false, minProperties: 1 },
);
export const ExtraParams = Type.Object({ id: Id });
export const ExtraSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  pricing: Type.Union([Type.Literal('per_hour'), Type.Literal('per_rental')]),
  price: Type.Integer(),
  currency: Type.String(),
  stock: Nullable(Type.Integer()),
});

export const ClosureBody = Type.Object(
  { starts_on: LocalDate, ends_on: LocalDate, reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
export { ClosureSchema };

export const DateRangeQuery = Type.Object({ from: LocalDate, to: LocalDate });

export const AvailabilitySchema = Type.Object({
  timezone: Type.String(),
  days: Type.Array(
    Type.Object({
      date: Type.String(),
      slots: Type.Array(
        Type.Object({
          starts_at: Type.String({ format: 'date-time' }),
          status: Type.Enum(['free', 'held', 'booked', 'blocked', 'buffer', 'closed']),
        }),
      ),
    }),
  ),
});

export const QuoteQuery = Type.Object({
  starts_at: Instant,
  ends_at: Instant,
  extras: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,15}(:[1-9][0-9]{0,2})?(,[1-9][0-9]{0,15}(:[1-9][0-9]{0,2})?){0,19}$',
      maxLength: 400,
      description: 'Extras as id or id:quantity, comma-separated (e.g. 3,5:2).',
    }),
  ),
});

const QuoteLineSchema = Type.Object({
  kind: Type.Union([Type.Literal('band'), Type.Literal('minimum'), Type.Literal('extra')]),
  name: Type.String(),
  quarter_hours: Nullable(Type.Integer()),
  quantity: Type.Integer(),
  unit_price: Type.Integer(),
  amount: Type.Integer(),
});

export const QuoteSchema = Type.Object({
  currency: Type.String(),
  minutes: Type.Integer({ description: 'The time that actually passes.' }),
  total: Type.Integer(),
  lines: Type.Array(QuoteLineSchema),
});

const ExtraRequest = Type.Object(
  { extra_id: Id, quantity: Type.Integer({ minimum: 1, maximum: 100, default: 1 }) },
  { additionalProperties: false },
);

export const CreateRentalBody = Type.Object(
  {
    hall_id: Id,
    starts_at: Instant,
    ends_at: Instant,
    extras: Type.Optional(Type.Array(ExtraRequest, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const WatchBody = Type.Object(
  {
    starts_at: Instant,
    ends_at: Instant,
    extras: Type.Optional(Type.Array(ExtraRequest, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const WatchParams = Type.Object({ id: Id });

export const WatchSchema = Type.Object({
  id: Type.Integer(),
  hall_id: Type.Integer(),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.String({ format: 'date-time' }),
  extras: Type.Array(Type.Object({ extra_id: Type.Integer(), quantity: Type.Integer() })),
  status: Type.Enum([...WATCH_STATUSES], {
    description:
      'WAITING; OFFERED (rental_id holds the slot for you until offer_expires_at); CLAIMED, LAPSED, CANCELLED, DROPPED.',
  }),
  rental_id: Nullable(Type.Integer()),
  offer_expires_at: Nullable(Type.String({ format: 'date-time' })),
  created_at: Type.String({ format: 'date-time' }),
  closed_at: Nullable(Type.String({ format: 'date-time' })),
});

export const BlockBody = Type.Object(
  { starts_at: Instant, ends_at: Instant, note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const RentalSchema = Type.Object(
  {
    id: Type.Integer(),
    hall_id: Type.Integer(),
    kind: Type.Union([Type.Literal('rental'), Type.Literal('block')]),
    status: Type.Enum([...RENTAL_STATUSES]),
    user_id: Type.Integer(),
    starts_at: Type.String({ format: 'date-time' }),
    ends_at: Type.String({ format: 'date-time' }),
    buffer_until: Type.String({ format: 'date-time', description: 'The end plus the hall’s buffer: the time kept free.' }),
    expires_at: Nullable(Type.String({ format: 'date-time', description: 'While PENDING: when the hold ends.' })),
    total: Type.Integer(),
    currency: Type.String(),
    lines: Type.Array(QuoteLineSchema),
    extras: Type.Array(Type.Object({ extra_id: Type.Integer(), quantity: Type.Integer(), amount: Type.Integer() })),
    note: Type.String(),
    paid_offline: Type.Boolean(),
    refund_amount: Nullable(Type.Integer({ description: 'What the cancellation policy gives back.' })),
    cancelled_by: Nullable(Type.Union([Type.Literal('renter'), Type.Literal('studio')])),
    created_at: Type.String({ format: 'date-time' }),
    confirmed_at: Nullable(Type.String({ format: 'date-time' })),
    closed_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'Rental' },
);

export const RentalDetailSchema = Type.Object({
  ...RentalSchema.properties,
  refund_if_cancelled_now: Nullable(
    Type.Integer({
      description:
        'What cancelling now would give back (minor units): by the hall’s policy for its renter, all that was paid for the studio; null when it cannot be cancelled.',
    }),
  ),
  audit: Type.Array(
    Type.Object({
      from_status: Nullable(Type.String()),
      to_status: Type.String(),
      actor_id: Nullable(Type.Integer()),
      reason: Type.String(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});
