import { Type } from 'typebox';
import { Id } from '../../platform/http/schemas.ts';

const Instant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

export const ProviderStateSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('simulator'), Type.Literal('provider')]),
    breaker: Type.Union([Type.Literal('closed'), Type.Literal('half-open'), Type.Literal('open')]),
    in_flight: Type.Integer({ minimum: 0 }),
    places: Type.Integer({ minimum: 0 }),
    preloaded_at: Instant,
    preload_ms: Count,
    reconciled_at: Instant,
    reconcile_ms: Count,
    divergences: Count,
    age_seconds: Count,
    /** Order sagas by state (docs/provider.md). */
    sagas: Type.Object({
      pending: Type.Integer({ minimum: 0 }),
      done: Type.Integer({ minimum: 0 }),
      parked: Type.Integer({ minimum: 0 }),
    }),
  },
  { $id: 'ProviderState' },
);

export const PreloadSummarySchema = Type.Object({
  places: Type.Integer({ minimum: 0 }),
  pages: Type.Integer({ minimum: 0 }),
  duration_ms: Type.Integer({ minimum: 0 }),
});

const Kind = Type.Union([Type.Literal('missing-here'), Type.Literal('missing-there'), Type.Literal('free-differs')]);

export const ReconcileSummarySchema = Type.Object({
  places: Type.Integer({ minimum: 0 }),
  divergences: Type.Object({
    'missing-here': Type.Integer({ minimum: 0 }),
    'missing-there': Type.Integer({ minimum: 0 }),
    'free-differs': Type.Integer({ minimum: 0 }),
  }),
  duration_ms: Type.Integer({ minimum: 0 }),
});

export const DivergenceSchema = Type.Object({
  place_id: Type.String({ format: 'uuid' }),
  kind: Kind,
  mirror_free: Type.Union([Type.Boolean(), Type.Null()]),
  provider_free: Type.Union([Type.Boolean(), Type.Null()]),
  found_at: Type.String({ format: 'date-time' }),
});

export const DivergencesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    /** Keyset paging: the last place_id of the previous page. */
    after: Type.Optional(Type.String({ format: 'uuid', maxLength: 36 })),
  },
  { additionalProperties: false },
);

const Mode = Type.Union([Type.Literal('own'), Type.Literal('provider'), Type.Literal('allotment')]);
const Row = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Block = Type.Union([
  Type.Object({ from_row: Row, to_row: Row }, { additionalProperties: false }),
  Type.Object(
    { place_ids: Type.Array(Type.String({ format: 'uuid', maxLength: 36 }), { minItems: 1, maxItems: 1000 }) },
    { additionalProperties: false },
  ),
]);

export const OwnershipBody = Type.Object(
  {
    mode: Mode,
    /** allotment only: the venue's block, rows from–to or the provider's place ids. */
    block: Type.Optional(Block),
  },
  { additionalProperties: false },
);

export const OwnershipSchema = Type.Object({
  event_id: Type.Integer({ minimum: 1 }),
  mode: Mode,
  block: Type.Union([Block, Type.Null()]),
  linked_seats: Type.Integer({ minimum: 0 }),
  withheld_seats: Type.Integer({ minimum: 0 }),
});

const SagaState = Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('parked')]);

export const SagaSchema = Type.Object({
  booking_id: Type.Integer({ minimum: 1 }),
  event_id: Type.Integer({ minimum: 1 }),
  goal: Type.Union([Type.Literal('confirm'), Type.Literal('cancel')]),
  state: SagaState,
  seat_ids: Type.Array(Type.Integer({ minimum: 1 })),
  attempts: Type.Integer({ minimum: 0 }),
  next_run_at: Type.String({ format: 'date-time' }),
  outcome: Type.Union([Type.String(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  parked_reason: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const SagasQuery = Type.Object(
  {
    state: Type.Optional(SagaState),
    event_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    /** Keyset paging: the last booking_id of the previous page. */
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

export const EventSagasQuery = Type.Omit(SagasQuery, ['event_id'], { additionalProperties: false });

export const IdParams = Type.Object({ id: Id });

export const EventSagaParams = Type.Object({ id: Id, bookingId: Id });

const SagaCounts = Type.Object({
  pending: Type.Integer({ minimum: 0 }),
  done: Type.Integer({ minimum: 0 }),
  parked: Type.Integer({ minimum: 0 }),
});

/** The provider as an event's owner or manager sees it (the admins' ProviderState is service-wide). */
export const EventProviderStatusSchema = Type.Object({
  event_id: Type.Integer({ minimum: 1 }),
  mode: Mode,
  breaker: Type.Union([Type.Literal('closed'), Type.Literal('half-open'), Type.Literal('open')]),
  mirror: Type.Object({
    places: Type.Integer({ minimum: 0 }),
    preloaded_at: Instant,
    reconciled_at: Instant,
    age_seconds: Count,
  }),
  /** This event's order sagas by state. */
  sagas: SagaCounts,
});
