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
 * The one ownership rule: the owner, or an admin, may act on an owned object. Others learn
 * nothing about it — not even that it exists — so the answer is the same 404 as for a missing id.
 * (Contracts that demand a 403, like HackLoad's, use `assertOwnerOrForbidden`.)
 */
export function assertOwner(principal: Principal, ownerId: number, what: string): void {
  if (principal.userId !== ownerId && principal.role !== 'admin') {
    throw new DomainError('not-found', `${what}-not-found`, `No such ${what}.`);
  }
}

export function assertOwnerOrForbidden(principal: Principal, ownerId: number, what: string): void {
  if (principal.userId !== ownerId && principal.role !== 'admin') {
    throw new DomainError('forbidden', `not-your-${what}`, `This ${what} belongs to someone else.`);
  }
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
