import type { FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/server.ts';
import type { PaymentsService } from './payments.service.ts';
import { PAYMENT_STATUSES, REFUND_STATUSES } from './payments.tables.ts';
import { Id } from '../../platform/http/schemas.ts';

const PaymentSchema = Type.Object(
  {
    id: Type.Integer(),
    order_id: Type.String(),
    booking_id: Type.Integer(),
    status: Type.Union(PAYMENT_STATUSES.map((status) => Type.Literal(status))),
    amount: Type.Integer({ description: 'Minor units.' }),
    refunded_amount: Type.Integer(),
    currency: Type.String(),
    payment_url: Type.String({ description: 'The gateway’s payment page.' }),
    expires_at: Type.String({
      format: 'date-time',
      description: 'The payment page takes a card until then: when the booking’s hold ends, or sooner.',
    }),
    failure_reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why it failed (REJECTED, CANCELLED, EXPIRED), in the gateway’s words when it gave them.',
    }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Payment' },
);
const OutcomeSchema = Type.Object({
  order_id: Type.String(),
  status: Type.Enum([...PAYMENT_STATUSES, 'UNKNOWN'], { description: 'The payment’s status after settling, or UNKNOWN.' }),
  order_kind: Type.Optional(Type.String({ description: 'What was paid for: booking, rental (absent for an unknown order).' })),
  order_ref: Type.Optional(Type.Integer({ description: 'The id of that booking or rental.' })),
  booking_id: Type.Union([Type.Integer(), Type.Null()], { description: 'The booking paid for; null for other kinds of order.' }),
});
const WebhookBody = Type.Object(
  {
    // Bounded: the delivery id made of them is a primary key (a btree refuses rows over ~2.7 kB).
    paymentId: Type.String({ minLength: 1, maxLength: 128 }),
    status: Type.String({ minLength: 1, maxLength: 64 }),
    teamSlug: Type.String({ maxLength: 128 }),
    timestamp: Type.Optional(Type.String({ maxLength: 64 })),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

const rawBodies = new WeakMap<FastifyRequest, string>();

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Payments over HTTP: HackLoad's PATCH /api/bookings/initiatePayment (302 to the payment page) and
 * its success/fail/notifications doors, and the native POST /api/bookings/:id/payments.
 */
export async function registerPaymentsRoutes(app: App, payments: PaymentsService): Promise<void> {
  app.addSchema(PaymentSchema);
  const PaymentRef = Type.Ref('Payment');
  const tags = ['payments'];

  app.patch(
    '/api/bookings/initiatePayment',
    {
      // The Billetter contract: someone else's booking is a 403 (the native door's is a 404).
      config: { access: 'user', strangers: 'forbidden' },
      schema: {
        tags: ['hackload'],
        summary:
          'Start paying for your booking: 302 to the payment page; the booking awaits payment until its hold ends, and a failed payment cancels it.',
        body: Type.Object({ booking_id: Id }, { additionalProperties: false }),
        response: { 302: Type.String({ description: 'Empty; Location: the payment page.' }) },
      },
    },
    async (request, reply) => {
      // The Billetter contract frees a booking's seats when its payment fails.
      const payment = await payments.initiate(principalOf(request), request.body.booking_id, { cancelBookingOnFailure: true });
      return reply.code(302).header('location', payment.payment_url).send('');
    },
  );

  app.post(
    '/api/bookings/:id/payments',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary:
          "Start paying for your booking: the payment page, which expires when the booking's hold does. A declined payment keeps the hold, so another try can follow.",
        params: Type.Object({ id: Id }),
        response: { 201: PaymentRef },
      },
    },
    async (request, reply) => reply.code(201).send(await payments.initiate(principalOf(request), request.params.id)),
  );

  app.get(
    '/api/bookings/:id/payments',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Payments of your booking with their status history, and its refunds.',
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({
            payments: Type.Array(
              Type.Intersect([
                PaymentRef,
                Type.Object({
                  history: Type.Array(
                    Type.Object({
                      from_status: Type.Union([Type.String(), Type.Null()]),
                      to_status: Type.String(),
                      source: Type.String(),
                      detail: Type.String(),
                      at: Type.String({ format: 'date-time' }),
                    }),
                  ),
                }),
              ]),
            ),
            refunds: Type.Array(
              Type.Object({
                id: Type.Integer(),
                payment_id: Type.Integer(),
                amount: Type.Integer(),
                currency: Type.String(),
                reason: Type.String(),
                status: Type.Enum([...REFUND_STATUSES]),
                created_at: Type.String({ format: 'date-time' }),
                completed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
              }),
            ),
          }),
        },
      },
    },
    async (request) => payments.paymentsOfBooking(principalOf(request), request.params.id),
  );

  app.post(
    '/api/bookings/:id/refunds',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Return some seats of your paid booking: they go back on sale and their price is refunded.',
        params: Type.Object({ id: Id }),
        body: Type.Object({ seat_ids: Type.Array(Id, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Ref('Booking') },
      },
    },
    async (request) => payments.returnSeats(principalOf(request), request.params.id, request.body.seat_ids),
  );

  for (const outcome of ['success', 'fail'] as const) {
    app.get(
      `/api/payments/${outcome}`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['hackload'],
          summary: `The browser comes back from the payment page (${outcome}); the outcome is checked with the gateway.`,
          querystring: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: OutcomeSchema },
        },
      },
      async (request) => {
        const payment = await payments.settleOrder(request.query.orderId, `${outcome} callback`);
        return {
          order_id: request.query.orderId,
          status: payment?.status ?? ('UNKNOWN' as const),
          ...(payment ? { order_kind: payment.order_kind, order_ref: payment.booking_id } : {}),
          booking_id: payment?.order_kind === 'booking' ? payment.booking_id : null,
        };
      },
    );
  }

  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // The signature covers the raw body, so this scope keeps it next to the parsed JSON.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const raw = body as string;
      rawBodies.set(request, raw);
      try {
        done(null, JSON.parse(raw));
      } catch {
        done(Object.assign(new Error('The body is not valid JSON.'), { statusCode: 400 }), undefined);
      }
    });
    scope.post(
      '/api/payments/notifications',
      {
        config: { access: 'public' },
        schema: {
          tags: ['hackload'],
          summary:
            'Gateway webhook (X-Webhook-Signature checked when PAYMENT_WEBHOOK_SECRET is set; de-duplicated by X-Webhook-Delivery).',
          headers: Type.Object({
            'x-webhook-delivery': Type.Optional(Type.String({ maxLength: 128 })),
            'x-webhook-signature': Type.Optional(Type.String({ maxLength: 256 })),
          }),
          body: WebhookBody,
          response: {
            200: Type.Object({
              result: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('ignored')]),
            }),
          },
        },
      },
      async (request) => ({
        result: await payments.handleWebhook({
          rawBody: rawBodies.get(request) ?? JSON.stringify(request.body),
          body: request.body,
          signature: header(request, 'x-webhook-signature'),
          deliveryId: header(request, 'x-webhook-delivery'),
        }),
      }),
    );
  });
}
