import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import { IdempotencyHeaders, idempotencyKey, sendIdempotent } from '../../platform/http/idempotency-key.ts';
import type { App } from '../../platform/http/server.ts';
import { invalidRange } from './rentals.errors.ts';
import type { ExtraRequest, HallsService } from './halls.service.ts';
import type { Principal } from '../../platform/http/access.ts';
import type { RentalsService } from './rentals.service.ts';
import { StudioSchema, StudiosQuery } from './rentals.studios.ts';
import {
  AvailabilitySchema,
  BlockBody,
  CancelBody,
  ClosureBody,
  ClosureParams,
  ClosureSchema,
  CreateHallBody,
  CreateRentalBody,
  DateRangeQuery,
  ExtraBody,
  ExtraSchema,
  HallParams,
  HallSchema,
  PatchHallBody,
  QuoteQuery,
  QuoteSchema,
  RentalDetailSchema,
  RentalParams,
  RentalSchema,
  SlugParams,
  TariffBody,
} from './rentals.schemas.ts';

const RentalRef = Type.Ref('Rental');

/** Instants a rental may name: from 1970 to 9000, so every date derived from one (a day either side) stays a date. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9000, 0, 1);

/** An instant from the API: the schema checked its form; one far outside any booking horizon is refused. */
export function instant(value: string, field: string): number {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed) || parsed < EARLIEST || parsed >= LATEST)
    throw invalidRange(`${field} is not an instant between 1970 and 9000.`);
  return parsed;
}

/** `3,5:2` → extra 3 once, extra 5 twice. */
function extrasOf(list: string | undefined): ExtraRequest[] {
  if (!list) return [];
  return list.split(',').map((item) => {
    const [id, quantity] = item.split(':');
    const extraId = Number(id);
    if (!Number.isSafeInteger(extraId)) throw invalidRange(`Extra ${id} is not an id.`);
    return { extra_id: extraId, quantity: quantity === undefined ? 1 : Number(quantity) };
  });
}

/** The payments module's door for a rental (bound in main.ts, so rentals does not import payments). */
export interface RentalPayments {
  start(
    principal: Principal,
    rentalId: number,
  ): Promise<{ id: number; status: string; amount: number; currency: string; payment_url: string; expires_at: string }>;
}

const RentalPaymentSchema = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  amount: Type.Integer({ description: 'Minor units: the rental total.' }),
  currency: Type.String(),
  payment_url: Type.String({ description: 'The gateway’s payment page.' }),
  expires_at: Type.String({
    format: 'date-time',
    description: 'The page takes a card until then: when the rental’s hold ends, or sooner, never later.',
  }),
});

export function registerRentalsRoutes(
  app: App,
  halls: HallsService,
  rentals: RentalsService,
  payments: () => RentalPayments,
): void {
  app.addSchema(RentalSchema);
  const tags = ['rentals'];

  app.post(
    '/api/organizers/:slug/halls',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Add a hall to a studio (the organizer’s owner or manager).',
        params: SlugParams,
        body: CreateHallBody,
        response: { 201: HallSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await halls.createHall(principalOf(request), request.params.slug, request.body)),
  );
  app.get(
    '/api/studios',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Studios that have halls to rent, by id, a page at a time, with how many halls and the lowest hourly price.',
        querystring: StudiosQuery,
        response: { 200: Type.Array(StudioSchema) },
      },
    },
    async (request) => halls.studioList(request.query),
  );
  app.get(
    '/api/organizers/:slug/halls',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'A studio’s halls, with their tariffs.',
        params: SlugParams,
        response: { 200: Type.Array(HallSchema) },
      },
    },
    async (request) => halls.listHalls(request.params.slug),
  );
  app.get(
    '/api/halls/:id',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'A hall: rules, hours, tariff, policy and closures.',
        params: HallParams,
        response: { 200: HallSchema },
      },
    },
    async (request) => halls.getHall(request.params.id),
  );
  app.patch(
    '/api/halls/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Change a hall (studio team). Rentals already made keep their time, price and buffer.',
        params: HallParams,
        body: PatchHallBody,
        response: { 200: HallSchema },
      },
    },
    async (request) => halls.updateHall(principalOf(request), request.params.id, request.body),
  );
  app.put(
    '/api/halls/:id/tariffs',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Set the hall’s tariff: bands by weekday and local hours, holidays, a minimum charge (studio team).',
        params: HallParams,
        body: TariffBody,
        response: { 200: HallSchema },
      },
    },
    async (request) => halls.putTariff(principalOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/halls/:id/closures',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Close the hall on local dates (both included), with a reason (studio team).',
        params: HallParams,
        body: ClosureBody,
        response: { 201: ClosureSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await halls.addClosure(principalOf(request), request.params.id, request.body)),
  );
  app.delete(
    '/api/halls/:id/closures/:closureId',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Remove a closure (studio team).', params: ClosureParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await halls.removeClosure(principalOf(request), request.params.id, request.params.closureId);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/organizers/:slug/extras',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Add an extra (equipment, assistant), priced per hour or per rental, with a stock shared by the studio’s halls.',
        params: SlugParams,
        body: ExtraBody,
        response: { 201: ExtraSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await halls.createExtra(principalOf(request), request.params.slug, request.body)),
  );
  app.get(
    '/api/organizers/:slug/extras',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'A studio’s extras.', params: SlugParams, response: { 200: Type.Array(ExtraSchema) } },
    },
    async (request) => halls.listExtras(request.params.slug),
  );
  app.get(
    '/api/halls/:id/availability',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary:
          'The hall’s open quarter hours on local dates from–to (at most 31), each free, held, booked, blocked, buffer or closed.',
        params: HallParams,
        querystring: DateRangeQuery,
        response: { 200: AvailabilitySchema },
      },
    },
    async (request) => halls.availability(request.params.id, request.query.from, request.query.to),
  );
  app.get(
    '/api/halls/:id/quote',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'The price of a slot with extras, by band and extra, before booking.',
        params: HallParams,
        querystring: QuoteQuery,
        response: { 200: QuoteSchema },
      },
    },
    async (request) => {
      const quote = await halls.quote(
        request.params.id,
        instant(request.query.starts_at, 'starts_at'),
        instant(request.query.ends_at, 'ends_at'),
        extrasOf(request.query.extras),
      );
      return { currency: quote.currency, minutes: quote.minutes, total: quote.total, lines: quote.lines };
    },
  );
  app.post(
    '/api/rentals',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Hold a slot of a hall while paying: PENDING until expires_at; 409 slot-taken when it overlaps.',
        headers: IdempotencyHeaders,
        body: CreateRentalBody,
        response: { 201: RentalRef },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { body } = request;
      const result = await rentals.idempotent(principal, idempotencyKey(request.headers), { route: 'rental', ...body }, () =>
        rentals.create(principal, {
          hallId: body.hall_id,
          startsAt: instant(body.starts_at, 'starts_at'),
          endsAt: instant(body.ends_at, 'ends_at'),
          extras: body.extras ?? [],
        }),
      );
      return sendIdempotent(reply, result);
    },
  );
  app.get(
    '/api/rentals',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'My rentals, latest first.', response: { 200: Type.Array(RentalRef) } },
    },
    async (request) => rentals.mine(principalOf(request)),
  );
  app.get(
    '/api/rentals/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'A rental with its audit (the renter or the studio team; 404 for anyone else).',
        params: RentalParams,
        response: { 200: RentalDetailSchema },
      },
    },
    async (request) => rentals.get(principalOf(request), request.params.id),
  );
  app.post(
    '/api/rentals/:id/cancel',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Cancel: by the renter (refund by the hall’s policy) or by the studio (full refund; also ends a block).',
        params: RentalParams,
        body: CancelBody,
        response: { 200: RentalRef },
      },
    },
    async (request) => rentals.cancel(principalOf(request), request.params.id, request.body.reason ?? ''),
  );
  app.post(
    '/api/rentals/:id/payments',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          'Pay for your held rental: the payment page, which expires when the hold does. Paid: CONFIRMED; declined: the hold is released.',
        params: RentalParams,
        response: { 201: RentalPaymentSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await payments().start(principalOf(request), request.params.id)),
  );
  app.post(
    '/api/rentals/:id/confirm',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The studio was paid outside Sbor: confirm a live hold (studio team).',
        params: RentalParams,
        response: { 200: RentalRef },
      },
    },
    async (request) => rentals.confirmPaidOffline(principalOf(request), request.params.id),
  );
  app.get(
    '/api/halls/:id/rentals',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Every rental and block of the hall on local dates from–to (at most 92; studio team).',
        params: HallParams,
        querystring: DateRangeQuery,
        response: { 200: Type.Array(RentalRef) },
      },
    },
    async (request) => rentals.ofHall(principalOf(request), request.params.id, request.query.from, request.query.to),
  );
  app.post(
    '/api/halls/:id/blocks',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Block the hall’s time (maintenance, private use; studio team): no rental may overlap it.',
        params: HallParams,
        body: BlockBody,
        response: { 201: RentalRef },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await rentals.block(
            principalOf(request),
            request.params.id,
            instant(request.body.starts_at, 'starts_at'),
            instant(request.body.ends_at, 'ends_at'),
            request.body.note ?? '',
          ),
        ),
  );
}
