import { Type } from 'typebox';
import { WEBHOOK_TYPES } from './integrations.service.ts';
import { Id } from '../../platform/http/schemas.ts';

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
export const EndpointParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 100 }),
  id: Id,
});

export const RegisterEndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'An http(s) URL that accepts POSTed JSON.' }),
    event_types: Type.Array(Type.Union(WEBHOOK_TYPES.map((type) => Type.Literal(type))), { minItems: 1, maxItems: 50 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const EndpointFields = {
  id: Type.Integer(),
  url: Type.String(),
  description: Type.String(),
  event_types: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  consecutive_failures: Type.Integer(),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
};

export const EndpointSchema = Type.Object(EndpointFields);
export const CreatedEndpointSchema = Type.Object({
  ...EndpointFields,
  secret: Type.String({ description: 'The signing secret, shown only now: keep it to verify Sbor-Signature.' }),
});

export const DeliveryLogQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) });

export const WebhookDeliverySchema = Type.Object({
  id: Type.Integer(),
  event_id: Type.Integer(),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  delivered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  attempt_log: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      status_code: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      duration_ms: Type.Integer(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});

export const EventLogQuery = Type.Object({
  key: Type.Optional(
    Type.String({
      pattern: '^[a-z_]+:[^\\s]+$',
      maxLength: 200,
      description: 'What the events concern: booking:123, event:5, user:7, organizer:2, ticket_type:9 …',
    }),
  ),
  type: Type.Optional(Type.String({ maxLength: 100 })),
  after: Type.Optional(
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Only events with a larger id (paging).' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

export const EventLogEntrySchema = Type.Object({
  id: Type.Integer({ description: 'The bus event id: the order things happened in.' }),
  type: Type.String(),
  aggregate_id: Type.String(),
  keys: Type.Array(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown()),
  occurred_at: Type.String({ format: 'date-time' }),
  recorded_at: Type.String({ format: 'date-time' }),
});
