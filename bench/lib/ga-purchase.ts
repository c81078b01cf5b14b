import { publishedGaEvent } from './fixtures.ts';
import type { Scenario } from './scenario.ts';

// General admission at seat-select speed (issue 22): POST /api/events/:id/tickets, one unit of one
// ticket type per request, 100 connections in a closed loop, compared with the seat select measured
// in the same run. One buyer, with HTTP Basic as the seat-select scenario (its verified credentials
// are remembered, so neither row pays a signature check per request): the event allows any
// number of open bookings per user and no per-user cap, so buyers never wait on each other's
// bookings, only on the ticket type's counter — the row every purchase of the type updates.
// A paid type leaves each purchase PENDING (a hold until paid); a free one CONFIRMED at once.
// The type holds far more units than any run sells, so every answer is a 201.

/** The most a type may have: more than 100,000 purchases a second sell in the warm-up and measurement. */
const UNITS = 1_000_000;

export function gaPurchaseScenario(shape: Pick<Scenario, 'name' | 'description'> & { price: number }): Scenario {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const request = { method: 'POST' as const, path: '/api/events/0/tickets', headers, body: '{}' };
  return {
    name: shape.name,
    description: shape.description,
    connections: 100,
    compareTo: 'sales.seat-select',
    request,
    setup: async ({ url }) => {
      const { owner, eventId, ticketTypeId } = await publishedGaEvent(url, {
        label: 'ga',
        title: 'General admission rush',
        startsInDays: 30,
        maxPerOrder: 1,
        ticketType: { name: 'Standing', price: shape.price, quantity: UNITS },
      });
      request.path = `/api/events/${String(eventId)}/tickets`;
      request.body = JSON.stringify({ ticket_type_id: ticketTypeId, quantity: 1 });
      headers.authorization = owner.basic;
    },
  };
}
