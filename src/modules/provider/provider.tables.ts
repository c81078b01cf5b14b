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

export interface ProviderDB {
  'provider.places': MirrorPlaceTable;
  'provider.divergences': DivergenceTable;
  'provider.mirror_state': MirrorStateTable;
}
