import { Type } from 'typebox';
import { Id } from '../../platform/http/schemas.ts';

export const QueueEventParams = Type.Object({ id: Id });

const DateTime = Type.String({ format: 'date-time' });
const Count = Type.Integer({ minimum: 0 });

export const RoomSettingsBody = Type.Object(
  {
    enabled: Type.Boolean({ description: 'While on, booking and buying this event need an admission token.' }),
    on_sale_at: Type.String({
      format: 'date-time',
      maxLength: 64,
      description: 'Before it, visitors join a pre-queue that is shuffled at random at this moment.',
    }),
    rate_per_minute: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
        description: 'People admitted per minute (null: by the cap alone).',
      }),
    ),
    max_active: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
        description: 'At most this many admitted people with a valid token at once (null: no cap).',
      }),
    ),
    token_ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 86_400, default: 900, description: 'How long an admission token is valid.' }),
    ),
    grace_seconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 86_400,
        default: 300,
        description: 'Someone who stops polling keeps their place this long (and is skipped, not dropped, meanwhile).',
      }),
    ),
    failure_mode: Type.Optional(
      Type.Enum(['open', 'closed'], {
        default: 'closed',
        description: 'When the rooms cannot be read: open lets buyers through unchecked, closed keeps requiring tokens.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RoomSchema = Type.Object(
  {
    event_id: Id,
    enabled: Type.Boolean(),
    on_sale_at: DateTime,
    rate_per_minute: Type.Union([Type.Integer(), Type.Null()]),
    max_active: Type.Union([Type.Integer(), Type.Null()]),
    token_ttl_seconds: Type.Integer(),
    grace_seconds: Type.Integer(),
    failure_mode: Type.Enum(['open', 'closed']),
    shuffled_at: Type.Union([DateTime, Type.Null()], { description: 'When the pre-queue was shuffled (null: not yet).' }),
    admitted: Count,
    pre_queue: Count,
    waiting: Count,
    active: Type.Integer({ minimum: 0, description: 'Admitted people whose token is still valid.' }),
    admitted_last_minute: Count,
  },
  { $id: 'WaitingRoom' },
);

export const PlaceSchema = Type.Object(
  {
    event_id: Id,
    status: Type.Enum(['not-in-queue', 'pre-queue', 'waiting', 'admitted', 'expired', 'lapsed'], {
      description:
        'pre-queue: joined before the on-sale, place drawn at it; waiting: has a place; admitted: token below; expired: the token ran out; lapsed: stopped polling past the grace period (join again).',
    }),
    room_enabled: Type.Boolean(),
    on_sale_at: Type.Union([DateTime, Type.Null()]),
    position: Type.Union([Type.Integer(), Type.Null()]),
    ahead: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'People ahead (at most; some may have left).',
    }),
    eta_seconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description: 'Until admission at the admission rate (until the on-sale in the pre-queue); null with a cap alone.',
    }),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    rate_per_minute: Type.Union([Type.Integer(), Type.Null()]),
    token_ttl_seconds: Type.Integer({ description: 'How long the buyer has once admitted.' }),
    token: Type.Union([Type.String(), Type.Null()], { description: 'Send it as the Queue-Token header when booking or buying.' }),
    token_expires_at: Type.Union([DateTime, Type.Null()]),
    poll_after_seconds: Type.Integer({ minimum: 1 }),
    queue_url: Type.String(),
    queue_page: Type.String(),
  },
  { $id: 'QueuePlace' },
);
