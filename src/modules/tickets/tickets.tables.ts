import type { Generated } from 'kysely';

export const TICKET_STATUSES = ['active', 'used', 'cancelled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const CHECKIN_OUTCOMES = ['accepted', 'conflict', 'rejected'] as const;
export type CheckinOutcome = (typeof CHECKIN_OUTCOMES)[number];

export interface SigningKeyTable {
  id: Generated<number>;
  /** PKCS#8 PEM. */
  private_key: string;
  /** SPKI PEM. */
  public_key: string;
  created_at: Generated<Date>;
  retired_at: Date | null;
}

export interface TicketTable {
  id: number;
  event_id: number;
  booking_id: number;
  holder_user_id: number;
  status: Generated<TicketStatus>;
  seat_id: number | null;
  seat_row: number | null;
  seat_number: number | null;
  zone: string | null;
  ticket_type_id: number | null;
  ticket_type_name: string | null;
  unit_no: number | null;
  code_version: Generated<number>;
  code: string;
  issued_at: Generated<Date>;
  used_at: Date | null;
  used_gate: string | null;
  used_scan_id: string | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
}

export interface CheckinTable {
  id: Generated<number>;
  ticket_id: number;
  event_id: number;
  gate: string;
  scan_id: string;
  scanned_at: Date;
  recorded_at: Generated<Date>;
  source: 'online' | 'offline';
  scanner_user_id: number | null;
  outcome: CheckinOutcome;
  reason: string | null;
}

export type TicketsTables = {
  'tickets.signing_keys': SigningKeyTable;
  'tickets.tickets': TicketTable;
  'tickets.checkins': CheckinTable;
};
