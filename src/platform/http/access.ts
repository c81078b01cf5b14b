import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors.ts';

export const ROLE_NAMES = ['user', 'organizer', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** Who is calling, as established by the authenticator for this request. */
export interface Principal {
  userId: number;
  email: string;
  role: RoleName;
}

/**
 * What a route requires, declared in its `config.access` (the server refuses to start a documented
 * route that does not declare it):
 * - `public`: anyone; credentials are ignored.
 * - `optional`: anyone; valid credentials set `request.principal`, invalid ones are a 401.
 * - `user`: any signed-in, active account. `organizer`: organizers and admins. `admin`: admins.
 */
export type Access = 'public' | 'optional' | RoleName;

/** Resolves the credentials of a request; undefined when it carries none. Throws for bad ones. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Contract-specific statuses for problem codes (HackLoad answers a taken seat with 419). */
    problemStatus?: Record<string, number>;
    /**
     * What a caller who does not own the object is told (see assertOwner): 'not-found' (the
     * default: ids reveal nothing) or 'forbidden' where a contract demands a 403.
     */
    strangers?: 'not-found' | 'forbidden';
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

const RANK: Record<RoleName, number> = { user: 1, organizer: 2, admin: 3 };

export function hasRole(principal: Principal, required: RoleName): boolean {
  return RANK[principal.role] >= RANK[required];
}

/** The principal of a route declared with a role; such routes never run without one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DomainError('unauthenticated', 'unauthenticated', 'Sign in to do this.');
  return request.principal;
}

/**
 * The one ownership rule: the owner, or an admin, may act on an owned object. What a stranger is
 * told depends on the door, not the use case (decision record 0017): the native API answers as
 * for a missing id (404), so an id reveals nothing — not even that it exists; a contract that
 * demands a 403 (HackLoad's Billetter) declares `config.strangers: 'forbidden'` on its routes, and
 * the error mapper answers those with the refusal's `forbidden` problem instead.
 */
export function mayActAsOwner(principal: Principal, ownerId: number): boolean {
  return principal.userId === ownerId || principal.role === 'admin';
}

/** The two answers a stranger can get about one kind of object: the native door's and the 403 a contract asks for. */
export interface OwnershipRefusal {
  notFound: () => DomainError;
  forbidden: () => DomainError;
}

/**
 * Thrown by assertOwner: reads as the refusal's `notFound` (the same problem as a missing id), and
 * carries the `forbidden` answer for the doors whose contract wants a 403.
 */
export class NotOwnerError extends DomainError {
  readonly forbidden: DomainError;

  constructor(refusal: OwnershipRefusal) {
    const missing = refusal.notFound();
    super(missing.kind, missing.code, missing.message, missing.details);
    this.forbidden = refusal.forbidden();
  }
}

export function assertOwner(principal: Principal, ownerId: number, refusal: OwnershipRefusal): void {
  if (!mayActAsOwner(principal, ownerId)) throw new NotOwnerError(refusal);
}

/** The answer for an error on this request's door: a stranger's refusal becomes the 403 where the route's contract says so. */
export function answerFor(error: DomainError, request: FastifyRequest): DomainError {
  return error instanceof NotOwnerError && request.routeOptions.config.strangers === 'forbidden' ? error.forbidden : error;
}

/** Enforces `config.access` for one request (an onRequest hook calls it). */
export async function enforceAccess(request: FastifyRequest, authenticate: Authenticator): Promise<void> {
  const access = request.routeOptions.config.access ?? 'public';
  if (access === 'public') return;
  request.principal = await authenticate(request);
  if (access === 'optional') return;
  if (!request.principal) throw new DomainError('unauthenticated', 'unauthenticated', 'Sign in to do this.');
  if (!hasRole(request.principal, access)) {
    throw new DomainError('forbidden', 'forbidden', `This needs the ${access} role.`);
  }
}
