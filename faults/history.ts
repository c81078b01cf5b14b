import { createWriteStream, type WriteStream } from 'node:fs';

/** Where an answer came from: Sbor itself (problem+json or JSON), nginx in front of it, or the gateway's page. */
export type Origin = 'sbor' | 'nginx' | 'gateway';

/** One client request and its answer, as the history file records it (one JSON object a line). */
export interface Operation {
  /** Milliseconds since the run began, when the request was sent and when its answer (or none) came. */
  start: number;
  end: number;
  buyer: string;
  /** What the buyer was doing: `create-seated`, `purchase-ga`, `initiate`, `pay`, `cancel`, … */
  op: string;
  method: string;
  path: string;
  /** The HTTP status, or `timeout`/`network` when no answer came. */
  status: number | 'timeout' | 'network';
  origin: Origin;
  /** The problem type's code (`seat-taken`, …) when the answer was a problem. */
  problem?: string;
  retryAfter?: string;
  idempotencyKey?: string;
  /** The attempt of this request (1 = the first; higher = a retry of the same operation). */
  attempt: number;
  /** Whether the client could retry this request without risk (method, key, or an operation that is safe to repeat). */
  retryable: boolean;
  bookingId?: number;
  requestId?: string;
  /** Names of the faults active when the request was sent. */
  faults: string[];
}

/** What the workload remembers beyond single requests: bookings known under a key, payments seen. */
export interface Claim {
  kind: 'key-booking' | 'payment-seen' | 'authorized';
  buyer: string;
  userId?: number;
  key?: string;
  bookingId?: number;
  paymentId?: string;
}

export class History {
  readonly operations: Operation[] = [];
  readonly claims: Claim[] = [];
  readonly began = Date.now();
  private readonly file: WriteStream | undefined;
  /** The faults active right now, maintained by the scheduler. */
  readonly active = new Set<string>();

  constructor(path?: string) {
    this.file = path ? createWriteStream(path) : undefined;
  }

  now(): number {
    return Date.now() - this.began;
  }

  record(operation: Omit<Operation, 'faults'> & { faults?: string[] }): Operation {
    const full: Operation = { ...operation, faults: operation.faults ?? [] };
    this.operations.push(full);
    this.file?.write(`${JSON.stringify({ type: 'op', ...full })}\n`);
    return full;
  }

  claim(claim: Claim): void {
    this.claims.push(claim);
    this.file?.write(`${JSON.stringify({ type: 'claim', at: this.now(), ...claim })}\n`);
  }

  note(entry: Record<string, unknown>): void {
    this.file?.write(`${JSON.stringify({ at: this.now(), ...entry })}\n`);
  }

  async close(): Promise<void> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }
}
