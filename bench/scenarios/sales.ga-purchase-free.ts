import { gaPurchaseScenario } from '../lib/ga-purchase.ts';

export default gaPurchaseScenario({
  name: 'sales.ga-purchase-free',
  description: 'POST /api/events/:id/tickets (Basic), one unit of one free ticket type, 100 connections: CONFIRMED at once.',
  price: 0,
});
