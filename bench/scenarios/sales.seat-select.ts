import { seatSelectScenario } from '../lib/seat-select.ts';

// The sales issue's target, read as its words say: 200 concurrent clients, each sending its next
// select as soon as the last is answered (closed loop). See bench/lib/seat-select.ts: this loop
// takes the hall's 100,000 seats in under 7 s, so it measures 5 s on a hall freed after the warm-up.
export default seatSelectScenario({
  name: 'sales.seat-select',
  description:
    'PATCH /api/seats/select (HackLoad, Basic auth) on event 1, 200 connections: a different seat and booking every request.',
  maxDurationSeconds: 5,
  setupAfterWarmup: true,
});
