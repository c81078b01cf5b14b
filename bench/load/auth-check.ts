// npm run load -- auth-check --url http://127.0.0.1:PORT [--rate 500] [--duration 30] [--users 100]
//
// Authenticated reads at a fixed arrival rate, open loop: GET /api/users/me for data-set users,
// half with HTTP Basic (as HackLoad's client sends on every call), half with a Bearer token got
// from POST /api/auth/login at the start. HackLoad's goal for its auth check: p95 < 1 s. Each
// user signs in once before the run (the data set's SHA-256 password is upgraded to argon2id
// then), so the run measures the steady state. Bare Fastify at the same rate is the baseline.
import { parseOptions } from '../lib/args.ts';
import { bareFastifyBaseline, bearerFor, dataSetUsers, positiveNumber, report, row, serviceUrl } from './common.ts';
import { httpClient, outcomeOf, runOpenLoop, summarize } from './open-loop.ts';

const HELP = `Usage: npm run load -- auth-check --url http://127.0.0.1:PORT [options]

  --rate <rps>        arrivals per second (default 500)
  --duration <s>      seconds (default 30)
  --users <n>         data-set users taking part (default 100; loaded by npm run load -- data)
  --connections <n>   sockets at most (default 256)
  --no-baseline       skip the bare-Fastify run`;

export async function run(args: string[]): Promise<void> {
  const values = parseOptions(
    HELP,
    {
      url: { type: 'string' },
      rate: { type: 'string', default: '500' },
      duration: { type: 'string', default: '30' },
      users: { type: 'string', default: '100' },
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
  const users = dataSetUsers(positiveNumber(values.users, '--users'));
  const client = httpClient(url, connections);
  // Signing in (and upgrading each legacy hash) happens before the clock starts, a few at a time.
  const bearers: string[] = [];
  for (let index = 0; index < users.length; index += 8)
    bearers.push(...(await Promise.all(users.slice(index, index + 8).map((user) => bearerFor(client, user)))));
  for (const user of users) await client.request('GET', '/api/users/me', { headers: { authorization: user.basic } });

  const samples = await runOpenLoop({
    rate: () => rate,
    durationSeconds,
    send: (index) => {
      const user = Math.floor(index / 2) % users.length;
      const authorization = index % 2 === 0 ? users[user]!.basic : bearers[user]!;
      return outcomeOf(client, 'GET', '/api/users/me', { headers: { authorization } });
    },
  });
  client.close();
  const basic = samples.filter((_, index) => index % 2 === 0);
  const rows = [
    row(`service @ ${rate}/s (both)`, summarize(samples, durationSeconds)),
    row('  of which Basic', summarize(basic, durationSeconds)),
    row(
      '  of which Bearer',
      summarize(
        samples.filter((_, index) => index % 2 === 1),
        durationSeconds,
      ),
    ),
  ];
  if (!values['no-baseline'])
    rows.push(
      row(`bare-fastify @ ${rate}/s`, (await bareFastifyBaseline(() => rate, durationSeconds, '/', connections)).summary),
    );
  report('auth-check', rows, { users: users.length });
}
