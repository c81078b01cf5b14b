import { Type } from 'typebox';
import { Amount, Id } from '../../platform/http/schemas.ts';
import { PromoCodeInput } from './sales.schemas.ts';
import { DISCOUNT_KINDS } from './sales.tables.ts';

const DateTimeInput = Type.String({ format: 'date-time', maxLength: 64 });
const Ids = Type.Array(Id, { minItems: 1, maxItems: 100, uniqueItems: true });

export const PromoCodeParams = Type.Object({ id: Id });

const ruleFields = {
  discount_kind: Type.Enum([...DISCOUNT_KINDS], {
    description:
      'percent: discount_value % off each ticket; fixed: discount_value minor units off each ticket; price: each ticket costs discount_value.',
  }),
  discount_value: Type.Integer({ ...Amount, description: 'Percent (1–100) or minor units, as discount_kind says.' }),
  ticket_type_ids: Type.Optional(Type.Union([Ids, Type.Null()], { description: 'Only tickets of these types (null: any).' })),
  zone_ids: Type.Optional(Type.Union([Ids, Type.Null()], { description: 'Only seats in these zones (null: any).' })),
  valid_from: Type.Optional(Type.Union([DateTimeInput, Type.Null()])),
  valid_until: Type.Optional(Type.Union([DateTimeInput, Type.Null()])),
  max_uses: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Bookings that may use it (one use per booking).' }),
};

export const CreatePromoCodeBody = Type.Object({ code: PromoCodeInput, ...ruleFields }, { additionalProperties: false });

export const BulkPromoCodesBody = Type.Object(
  {
    prefix: Type.String({ pattern: '^[A-Za-z0-9_-]{0,16}$', maxLength: 16, description: 'Put before 8 random characters.' }),
    count: Type.Integer({ minimum: 1, maximum: 1000 }),
    ...ruleFields,
  },
  { additionalProperties: false },
);

export const ChangePromoCodeBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'false deactivates: buyers can no longer use it.' })),
    discount_kind: Type.Optional(ruleFields.discount_kind),
    discount_value: Type.Optional(ruleFields.discount_value),
    ticket_type_ids: ruleFields.ticket_type_ids,
    zone_ids: ruleFields.zone_ids,
    valid_from: ruleFields.valid_from,
    valid_until: ruleFields.valid_until,
    max_uses: Type.Optional(ruleFields.max_uses),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PromoCodeSchema = Type.Object(
  {
    id: Type.Integer(),
    event_id: Type.Integer(),
    code: Type.String(),
    discount_kind: Type.Enum([...DISCOUNT_KINDS]),
    discount_value: Type.Integer(),
    ticket_type_ids: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
    zone_ids: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
    valid_from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    valid_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    max_uses: Type.Integer(),
    uses: Type.Integer({ description: 'Live and paid bookings holding a use; a cancelled or expired one gives it back.' }),
    active: Type.Boolean(),
    usable: Type.Boolean({ description: 'Active, within its dates and not used up.' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'PromoCode' },
);
