// npm run load -- archive-search --url http://127.0.0.1:PORT [--rate 200] [--duration 30]
//
// The archive at a fixed arrival rate, open loop: the load test's six phrases with and without
// date=2024-12-25, over pages 1–5 and page sizes 11–20, so that most requests are a key the
// caches have not seen (the load test's 13 exact URLs are answered from the cache; see
// search-ramp). Bare Fastify answering a search page's weight at the same rate is the baseline.
import { parseOptions } from '../lib/args.ts';
import { bareFastifyBaseline, HACKLOAD_PHRASES, positiveNumber, report, row, serviceUrl } from './common.ts';
import { httpClient, outcomeOf, runOpenLoop, summarize } from './open-loop.ts';

const HELP = `Usage: npm run load -- archive-search --url http://127.0.0.1:PORT [options]

  --rate <rps>        arrivals per second (default 200)
  --duration <s>      seconds (default 30)
  --connections <n>   sockets at most (default 256)
  --no-baseline       skip the bare-Fastify run`;

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      url: { type: 'string' },
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '30' },
      connections: { type: 'string', default: '256' },
      'no-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    args,
  );
  const url = serviceUrl(values.url, HELP);
  const rate = positiveNumber(values.rate, '--rate');
  const durationSeconds = positiveNumber(values.duration, '--duration');
  const connections = positiveNumber(values.connections, '--connections');
  // 6 phrases × 2 (date or not) × 5 pages × 10 page sizes = 600 distinct searches.
  const paths = HACKLOAD_PHRASES.flatMap((query) =>
    ['', '&date=2024-12-25'].flatMap((date) =>
      [1, 2, 3, 4, 5].flatMap((page) =>
        [20, 19, 18, 17, 16, 15, 14, 13, 12, 11].map(
          (pageSize) => `/api/events?query=${encodeURIComponent(query)}${date}&page=${page}&pageSize=${pageSize}`,
        ),
      ),
    ),
  );
  // Interleaved so that consecutive requests differ in phrase, page and size.
  const pathFor = (index: number) => paths[(index * 97) % paths.length]!;
  const client = httpClient(url, connections);
  const samples = await runOpenLoop({
    rate: () => rate,
    durationSeconds,
    send: (index) => outcomeOf(client, 'GET', pathFor(index)),
  });
  client.close();
  const rows = [row(`service @ ${rate}/s`, summarize(samples, durationSeconds, 2000))];
  if (!values['no-baseline'])
    rows.push(
      row(
        `bare-fastify @ ${rate}/s`,
        (await bareFastifyBaseline(() => rate, durationSeconds, '/events-page', connections)).summary,
      ),
    );
  report('archive-search', rows, { distinctSearches: paths.length });
}
