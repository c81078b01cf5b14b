import { seatSelectScenario } from '../lib/seat-select.ts';

// The same selects arriving at the target's 2,000 per second (open loop, up to 200 in flight): the
// latency a buyer sees when the target load arrives, which a closed loop of 200 cannot show below
// 200 ÷ throughput (Little's law). See bench/lib/measure.ts, measureHttpAtRate.
export default seatSelectScenario({
  name: 'sales.seat-select-at-2000',
  description: 'The same selects arriving at 2,000/s on a fixed schedule (open loop), at most 200 in flight.',
  rate: 2000,
});
