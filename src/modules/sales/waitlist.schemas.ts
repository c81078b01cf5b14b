import { Type } from 'typebox';
import { WAITLIST_STATUSES } from './sales.tables.ts';
import { Id, Page } from '../../platform/http/schemas.ts';

export const WaitlistParams = Type.Object({ id: Id });

export const JoinWaitlistBody = Type.Object(
  {
    ticket_type_id: Type.Optional(Type.Integer({ ...Id, description: 'The sold-out ticket type; omit for seats.' })),
    quantity: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  },
  { additionalProperties: false },
);

export const PriorityBody = Type.Object(
  { priority: Type.Integer({ minimum: -1000, maximum: 1000, description: 'Higher is offered first.' }) },
  { additionalProperties: false },
);

export const EventWaitlistQuery = Type.Object({
  status: Type.Optional(Type.Enum([...WAITLIST_STATUSES])),
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export const MyWaitlistQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) });

export const WaitlistEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    event_id: Type.Integer(),
    ticket_type_id: Type.Union([Type.Integer(), Type.Null()]),
    user_id: Type.Integer(),
    quantity: Type.Integer(),
    priority: Type.Integer(),
    status: Type.Enum([...WAITLIST_STATUSES]),
    position: Type.Union([Type.Integer(), Type.Null()], { description: 'Place in the queue while WAITING; 1 is next.' }),
    booking_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The booking holding an offer: pay it in time.' }),
    offer_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'WaitlistEntry' },
);
