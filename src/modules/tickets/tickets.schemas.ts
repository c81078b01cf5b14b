import { Type } from 'typebox';
import { TICKET_STATUSES } from './tickets.tables.ts';
import { Id, Page } from '../../platform/http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Code = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'The ticket code as printed in the QR (base64url, see docs/tickets.md).',
});
const GATE_TEXT = 'Where the scan happened (e.g. "A", "VIP-2").';
const SCAN_ID_TEXT = 'A new id per physical scan (a UUID); retrying the same scan with it is idempotent.';
const Gate = Type.String({ minLength: 1, maxLength: 100, description: GATE_TEXT });
const ScanId = Type.String({ minLength: 1, maxLength: 100, description: SCAN_ID_TEXT });
const ScannerEvent = Type.Optional(
  Type.Integer({ ...Id, description: 'The event this scanner admits to; another event’s ticket is refused.' }),
);
export const TicketStatusSchema = Type.Enum([...TICKET_STATUSES]);
const Reason = Nullable(Type.Enum(['unknown', 'forged', 'cancelled', 'already-used', 'other-event']));

export const TicketParams = Type.Object({ id: Id });
export const CodeParams = Type.Object({ code: Code });
export const EventParams = Type.Object({ id: Id });

export const EventSummarySchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  venue: Type.String(),
  starts_at: Type.String(),
  timezone: Type.String(),
  status: Type.String(),
});

export const TicketSchema = Type.Object(
  {
    id: Type.Integer(),
    status: TicketStatusSchema,
    event_id: Type.Integer(),
    booking_id: Type.Integer(),
    holder_user_id: Type.Integer(),
    seat: Nullable(
      Type.Object({
        id: Type.Integer(),
        row: Nullable(Type.Integer()),
        number: Nullable(Type.Integer()),
        zone: Nullable(Type.String()),
      }),
    ),
    ticket_type: Nullable(Type.Object({ id: Type.Integer(), name: Nullable(Type.String()) })),
    code: Type.String(),
    code_version: Type.Integer(),
    issued_at: Type.String({ format: 'date-time' }),
    used_at: Nullable(Type.String({ format: 'date-time' })),
    used_gate: Nullable(Type.String()),
    cancelled_at: Nullable(Type.String({ format: 'date-time' })),
    event: Type.Optional(Nullable(EventSummarySchema)),
  },
  { $id: 'Ticket' },
);
const TicketRef = Type.Ref('Ticket');

export const ListTicketsQuery = Type.Object({
  event_id: Type.Optional(Id),
  status: Type.Optional(TicketStatusSchema),
  page: Page,
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const QrQuery = Type.Object({ format: Type.Enum(['svg', 'png'], { default: 'svg' }) });

export const ValidateBody = Type.Object({ event_id: ScannerEvent }, { additionalProperties: false });

export const ValidationSchema = Type.Object({
  valid: Type.Boolean(),
  reason: Reason,
  used_at: Nullable(Type.String({ format: 'date-time' })),
  gate: Nullable(Type.String()),
  ticket: Nullable(TicketRef),
});

/**
 * A scanner may send the code alone (seed 001's does): the gate defaults to "main" and the server
 * makes the scan id up, so that scan cannot be retried idempotently — a retry is a second scan and
 * hears 409 already-used. Scanners that retry send their own scan_id.
 */
const DEFAULT_GATE = 'main';
export const CheckinBody = Type.Object(
  {
    gate: Type.String({
      minLength: 1,
      maxLength: 100,
      default: DEFAULT_GATE,
      description: `${GATE_TEXT} Left out: "${DEFAULT_GATE}".`,
    }),
    scan_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: `${SCAN_ID_TEXT} Left out, the server generates one (a retry is then a new scan).`,
      }),
    ),
    event_id: ScannerEvent,
  },
  { additionalProperties: false },
);

export const CheckinSchema = Type.Object({
  checked_in: Type.Literal(true),
  replayed: Type.Boolean({ description: 'This scan id had already checked the ticket in; nothing changed.' }),
  used_at: Type.String({ format: 'date-time' }),
  gate: Type.String(),
  ticket: TicketRef,
});

export const SyncBody = Type.Object(
  {
    checkins: Type.Array(
      Type.Object(
        { code: Code, gate: Gate, scan_id: ScanId, scanned_at: Type.String({ format: 'date-time', maxLength: 64 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);

const ScanRef = { scan_id: Type.String(), ticket_id: Type.Integer() };
export const SyncReportSchema = Type.Object({
  accepted: Type.Array(Type.Object(ScanRef)),
  duplicates: Type.Array(Type.Object(ScanRef)),
  conflicts: Type.Array(
    Type.Object({
      ...ScanRef,
      gate: Type.String(),
      scanned_at: Type.String({ format: 'date-time' }),
      first: Type.Object({
        gate: Type.String(),
        used_at: Type.String({ format: 'date-time' }),
        scan_id: Nullable(Type.String()),
      }),
    }),
  ),
  rejected: Type.Array(Type.Object({ scan_id: Type.String(), ticket_id: Nullable(Type.Integer()), reason: Reason })),
});

export const BundleSchema = Type.Object({
  event_id: Type.Integer(),
  generated_at: Type.String({ format: 'date-time' }),
  code_format: Type.Integer(),
  public_keys: Type.Array(
    Type.Object({
      kid: Type.String(),
      kty: Type.String(),
      crv: Type.String(),
      alg: Type.String(),
      x: Type.String({ description: 'The raw Ed25519 public key, base64url.' }),
      pem: Type.String(),
      active: Type.Boolean(),
    }),
  ),
  counts: Type.Object({
    issued: Type.Integer(),
    active: Type.Integer(),
    used: Type.Integer(),
    cancelled: Type.Integer(),
  }),
  revoked: Type.Array(Type.Object({ ticket_id: Type.Integer(), code: Type.String() })),
  used: Type.Array(
    Type.Object({ ticket_id: Type.Integer(), used_at: Type.String({ format: 'date-time' }), gate: Type.String() }),
  ),
});

export const StatsQuery = Type.Object({ bucket_minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }) });

export const StatsSchema = Type.Object({
  event_id: Type.Integer(),
  issued: Type.Integer({ description: 'Tickets not cancelled.' }),
  checked_in: Type.Integer(),
  cancelled: Type.Integer(),
  conflicts: Type.Integer({ description: 'Second scans of used tickets synced from offline scanners.' }),
  bucket_minutes: Type.Integer(),
  per_gate: Type.Array(Type.Object({ gate: Type.String(), checked_in: Type.Integer(), conflicts: Type.Integer() })),
  over_time: Type.Array(Type.Object({ bucket_start: Type.String({ format: 'date-time' }), checked_in: Type.Integer() })),
});
