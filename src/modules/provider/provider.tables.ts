import type { ColumnType, Generated } from 'kysely';

/**
 * The mirror of the provider's places: its UUID for each of our integer seat ids (the Billetter
 * contract and our tables speak int64), where the place is, and whether the provider last said it
 * was free, and when.
 */
export interface MirrorPlaceTable {
  seat_id: Generated<number>;
  place_id: string;
  row_no: number;
  seat_no: number;
  is_free: boolean;
  seen_at: ColumnType<Date, Date | string, Date | string>;
}

export const DIVERGENCE_KINDS = ['missing-here', 'missing-there', 'free-differs'] as const;
export type DivergenceKind = (typeof DIVERGENCE_KINDS)[number];

/** What the last reconciliation found different between the mirror and the provider. */
export interface DivergenceTable {
  place_id: string;
  kind: DivergenceKind;
  /** null when the mirror does not have the place. */
  mirror_free: boolean | null;
  /** null when the provider does not have the place. */
  provider_free: boolean | null;
  found_at: ColumnType<Date, Date | string | undefined, never>;
}

/** One row: when the mirror was last filled and compared, and what came of it. */
export interface MirrorStateTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  preloaded_at: Date | null;
  preload_places: number | null;
  preload_ms: number | null;
  reconciled_at: Date | null;
  reconcile_ms: number | null;
  divergences: number | null;
}

export const OWNERSHIP_MODES = ['own', 'provider', 'allotment'] as const;
export type OwnershipMode = (typeof OWNERSHIP_MODES)[number];

/** Who sells an event's seats; an event without a row is ours. */
export interface EventModeTable {
  event_id: number;
  mode: OwnershipMode;
  block_from_row: number | null;
  block_to_row: number | null;
  block_places: string[] | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Our seat id for a provider place (matched by row and seat number). */
export interface SeatLinkTable {
  seat_id: number;
  event_id: number;
  place_id: string;
}

/** The one provider order of a booking. */
export interface BookingOrderTable {
  booking_id: number;
  event_id: number;
  order_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Places asked into an order (accepted, or asked with the answer lost). */
export interface OrderPlaceTable {
  order_id: string;
  place_id: string;
  /** The provider answered 204: certainly this order's. False: asked, answer lost or 409. */
  accepted: ColumnType<boolean, boolean | undefined, boolean>;
}

export const SAGA_GOALS = ['confirm', 'cancel'] as const;
export type SagaGoal = (typeof SAGA_GOALS)[number];
export const SAGA_STATES = ['pending', 'done', 'parked'] as const;
export type SagaState = (typeof SAGA_STATES)[number];

export interface SagaTable {
  booking_id: number;
  event_id: number;
  goal: SagaGoal;
  state: ColumnType<SagaState, SagaState | undefined, SagaState>;
  seat_ids: ColumnType<number[], number[] | undefined, number[]>;
  attempts: ColumnType<number, number | undefined, number>;
  next_run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  lease_until: Date | null;
  leased_by: string | null;
  outcome: string | null;
  last_error: string | null;
  parked_reason: string | null;
  progressed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Date | null;
}

export interface ProviderDB {
  'provider.places': MirrorPlaceTable;
  'provider.divergences': DivergenceTable;
  'provider.mirror_state': MirrorStateTable;
  'provider.event_modes': EventModeTable;
  'provider.seat_links': SeatLinkTable;
  'provider.booking_orders': BookingOrderTable;
  'provider.order_places': OrderPlaceTable;
  'provider.sagas': SagaTable;
}
