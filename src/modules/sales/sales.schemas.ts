import { Type } from 'typebox';
import { MAX_ROW, MAX_SEATS_PER_EVENT, MAX_UNITS_PER_EVENT } from './sales.limits.ts';
import { BOOKING_STATUSES, SEAT_STATUSES } from './sales.tables.ts';
import { Id, Amount, Page } from '../../platform/http/schemas.ts';

const Currency = Type.String({ pattern: '^[A-Z]{3}$', maxLength: 3 });
const DateTimeInput = Type.String({ format: 'date-time', maxLength: 64 });
export const BookingStatusSchema = Type.Enum([...BOOKING_STATUSES]);
export const SeatStatusSchema = Type.Enum([...SEAT_STATUSES]);

/** A promo code as typed by a buyer or an organizer: any case, stored and matched in upper case. */
export const PromoCodeInput = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9_-]{3,32}$',
  description: 'Letters, digits, _ and -; 3 to 32 characters; case does not matter.',
});

export const EventParams = Type.Object({ id: Id });
export const BookingParams = Type.Object({ id: Id });
export const BookingSeatParams = Type.Object({ id: Id, seatId: Id });

export const TicketTypeBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 40, description: 'standard, vip, early_bird, …' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    price: Amount,
    currency: Type.Optional(Currency),
    quantity: Type.Integer({
      minimum: 1,
      maximum: MAX_UNITS_PER_EVENT,
      description: `At most ${MAX_UNITS_PER_EVENT} units per event, all its ticket types together.`,
    }),
    sales_start: Type.Optional(DateTimeInput),
    sales_end: Type.Optional(DateTimeInput),
    max_per_order: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    hidden: Type.Optional(
      Type.Boolean({
        description: 'Not listed to buyers; sold only with a promo code whose ticket_type_ids name it (default false).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TicketTypeSchema = Type.Object({
  id: Type.Integer(),
  event_id: Type.Integer(),
  type: Type.String(),
  name: Type.String(),
  price: Type.Integer(),
  currency: Type.String(),
  quantity: Type.Integer(),
  sold: Type.Integer(),
  held: Type.Integer(),
  available: Type.Integer(),
  sales_start: Type.Union([Type.String(), Type.Null()]),
  sales_end: Type.Union([Type.String(), Type.Null()]),
  max_per_order: Type.Integer(),
  hidden: Type.Boolean({ description: 'Listed only to the event team and to buyers who give a code that unlocks it.' }),
});

export const TicketTypesQuery = Type.Object(
  { code: Type.Optional(PromoCodeInput) },
  { additionalProperties: false, description: 'code: a promo code; hidden ticket types it unlocks are listed too.' },
);

export const LayoutBody = Type.Object(
  {
    zones: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100 }),
          price: Amount,
          currency: Type.Optional(Currency),
          rows: Type.Integer({ minimum: 1, maximum: 1000 }),
          seats_per_row: Type.Integer({ minimum: 1, maximum: 2000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  {
    additionalProperties: false,
    description: `At most ${MAX_SEATS_PER_EVENT} seats in all (rows × seats_per_row summed over the zones).`,
  },
);

export const CreateBookingBody = Type.Object(
  {
    event_id: Id,
    ticket_type_id: Type.Optional(Id),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    seat_ids: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
    promo_code: Type.Optional(PromoCodeInput),
  },
  { additionalProperties: false },
);

export const PurchaseBody = Type.Object(
  { ticket_type_id: Id, quantity: Type.Integer({ minimum: 1, maximum: 1000 }), promo_code: Type.Optional(PromoCodeInput) },
  { additionalProperties: false },
);
export const SeatIdsBody = Type.Object(
  { seat_ids: Type.Array(Id, { minItems: 1, maxItems: 100, uniqueItems: true }) },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const BookingSchema = Type.Object(
  {
    id: Type.Integer(),
    event_id: Type.Integer(),
    user_id: Type.Integer(),
    status: BookingStatusSchema,
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    ticket_type_id: Type.Union([Type.Integer(), Type.Null()]),
    quantity: Type.Integer(),
    total_amount: Type.Integer({ description: 'What is to be paid, minor units: subtotal_amount − discount_amount.' }),
    subtotal_amount: Type.Integer({ description: 'The list price before the promo code.' }),
    discount_amount: Type.Integer({ description: 'What the promo code took off.' }),
    promo_code: Type.Union([Type.String(), Type.Null()]),
    currency: Type.String(),
    seats: Type.Array(Type.Object({ id: Type.Integer(), row: Type.Integer(), number: Type.Integer(), price: Type.Integer() })),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Booking' },
);

export const BookingDetailSchema = Type.Object({
  ...BookingSchema.properties,
  audit: Type.Array(
    Type.Object({
      from_status: Type.Union([Type.String(), Type.Null()]),
      to_status: Type.String(),
      actor_user_id: Type.Union([Type.Integer(), Type.Null()]),
      reason: Type.String(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});

export const ListBookingsQuery = Type.Object({
  event_id: Type.Optional(Id),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
});

export const EventBookingsQuery = Type.Object({
  status: Type.Optional(BookingStatusSchema),
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export const AvailabilitySchema = Type.Object({
  event_id: Type.Integer(),
  total: Type.Integer(),
  free: Type.Integer(),
  held: Type.Integer(),
  sold: Type.Integer(),
  revenue: Type.Optional(
    Type.Integer({ description: 'Minor units from confirmed bookings; only for the event team (owners, managers) and admins.' }),
  ),
  bookings_count: Type.Optional(
    Type.Integer({ description: 'Bookings in any status; only for the event team (owners, managers) and admins.' }),
  ),
  zones: Type.Array(
    Type.Object({
      zone_id: Type.Integer(),
      name: Type.String(),
      total: Type.Integer(),
      free: Type.Integer(),
      held: Type.Integer(),
      sold: Type.Integer(),
    }),
  ),
});

export const SeatMapQuery = Type.Object({
  from_row: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_ROW, description: 'First row with seat statuses (default 1).' }),
  ),
  to_row: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_ROW, description: 'Last row with seat statuses (default the last).' }),
  ),
});

export const SeatMapSchema = Type.Object({
  event_id: Type.Integer(),
  zones: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      price: Type.Integer({ description: 'Minor units.' }),
      currency: Type.String(),
      from_row: Type.Integer(),
      to_row: Type.Integer(),
      seats_per_row: Type.Integer(),
    }),
  ),
  rows: Type.Array(
    Type.Object({
      row: Type.Integer(),
      zone_id: Type.Integer(),
      first_id: Type.Integer(),
      last_id: Type.Integer(),
      ids: Type.Union([Type.Array(Type.Integer()), Type.Null()], {
        description: 'Every seat id in number order, only when first_id..last_id has gaps.',
      }),
      status: Type.String({
        description:
          'A character per seat in number order: F free, R reserved, S sold, N not sold here (outside the block the venue allots us).',
      }),
    }),
  ),
});
