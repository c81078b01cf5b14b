// One command for HackLoad-sized data and HackLoad's scenarios (docs/load.md):
//
//   npm run load -- data --url postgres://postgres@127.0.0.1:5432/sbor_load      full-size data set
//   npm run load -- search-ramp --url http://127.0.0.1:8080                     open-loop scenarios
//   npm run load -- archive-search | auth-check | booking-rush | sellout …
//
// Each scenario is a module of bench/load/ exporting `run(args)`; `--help` after a scenario's
// name prints its options.
const SCENARIOS: Record<string, { module: string; summary: string }> = {
  data: { module: './load/data.ts', summary: 'generate and load 1M users, 10k upcoming events, the 6M archive' },
  'search-ramp': { module: './load/search-ramp.ts', summary: 'ramp GET /api/events; highest rate held (p95 < 2 s, < 50 ms)' },
  'archive-search': { module: './load/archive-search.ts', summary: 'the load test phrases over the archive at a fixed rate' },
  'auth-check': { module: './load/auth-check.ts', summary: 'authenticated requests, HTTP Basic and Bearer, at a fixed rate' },
  'booking-rush': { module: './load/booking-rush.ts', summary: "HackLoad's 10 × 1000 booking rush, or --until-sold-out" },
  sellout: {
    module: './load/sellout.ts',
    summary: 'buyers search, sign in, book, pay and get tickets until event 1 is sold out',
  },
};

const [name, ...args] = process.argv.slice(2);
const scenario = name === undefined ? undefined : SCENARIOS[name];
if (!scenario) {
  console.error(
    `Usage: npm run load -- <scenario> [options]   (--help after the name for its options)\n\n${Object.entries(SCENARIOS)
      .map(([key, value]) => `  ${key.padEnd(15)} ${value.summary}`)
      .join('\n')}`,
  );
  process.exit(name === '--help' || name === '-h' ? 0 : 2);
}
const loaded = (await import(scenario.module)) as { run: (args: string[]) => Promise<void> };
await loaded.run(args);
