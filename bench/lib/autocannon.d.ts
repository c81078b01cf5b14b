// autocannon ships no types and @types/autocannon is not a dependency; this declares only the
// part of its API the harness uses.
declare module 'autocannon' {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Called for every request (with `requests`); returns the request to send. */
    setupRequest?: (request: Request, context: object) => Request;
  }

  interface Options extends Request {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    requests?: Request[];
  }

  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }

  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    latency: Histogram;
    requests: Histogram & { total: number };
  }

  /** Runs for `duration` seconds; `stop()` ends it early (the promise still resolves). */
  function autocannon(options: Options): PromiseLike<Result> & { stop(): void };
  export default autocannon;
}
