import { Type } from 'typebox';

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
