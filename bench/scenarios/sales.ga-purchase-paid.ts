import { gaPurchaseScenario } from '../lib/ga-purchase.ts';

export default gaPurchaseScenario({
  name: 'sales.ga-purchase-paid',
  description: 'POST /api/events/:id/tickets (Basic), one unit of one paid ticket type, 100 connections: a PENDING hold each.',
  price: 5_000,
});
