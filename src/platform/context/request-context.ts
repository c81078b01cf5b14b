import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work is done for, carried implicitly through its async calls: an HTTP
 * request sets it before its handler runs, and a consumer sets it from the event it handles. The
 * outbox stamps it on the events a request causes, and every log line written meanwhile carries
 * it, so one id follows a purchase from the api process through NATS into the worker's log.
 *
 * Implicit on purpose: passing the id by hand through every use case and repository would touch
 * every signature for a value only logs and the outbox read.
 */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (and everything it starts) as done for this request. */
export function runWithRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId ? storage.run({ requestId }, work) : work();
}

/** The id of the request the current work is for, if it is for one. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** A pino mixin: adds `requestId` to every log line written for a request (nothing otherwise). */
export function requestIdLogFields(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId ? { requestId } : {};
}
