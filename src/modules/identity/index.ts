import type { Kysely } from 'kysely';
import type { App } from '../../platform/http/server.ts';
import { Credentials, DEFAULT_CREDENTIAL_OPTIONS, type CredentialOptions } from './credentials.ts';
import { registerIdentityRoutes } from './identity.routes.ts';
import { IdentityService } from './identity.service.ts';
import { DEFAULT_LOGIN_LIMITS, LoginGuard, type LoginGuardLimits } from './login-guard.ts';
import { TokenKeys } from './tokens.ts';

export { identityMigrations } from './identity.migrations.ts';
export type { IdentityService, UserView, TokenPair } from './identity.service.ts';
export type { Role } from './identity.tables.ts';
export { DEFAULT_LOGIN_LIMITS } from './login-guard.ts';
export { Credentials } from './credentials.ts';
export { importUsers, UsersImportError, type ImportSummary } from './users-import.ts';
export {
  AdminAccountsError,
  createAdmin,
  demoteAdmin,
  generatePassword,
  promoteToAdmin,
  type AdminAccount,
  type RoleChange,
} from './admin-accounts.ts';
export { generateUsersFile, plainPasswordFor } from './users-generator.ts';

export interface IdentityModule {
  service: IdentityService;
  /** The Authenticator the HTTP layer uses for every route that needs a principal. */
  authenticate: Credentials['authenticate'];
  registerRoutes(app: App): void;
}

export async function createIdentityModule(
  db: Kysely<object>,
  options: { issuer: string; accessTokenTtlSeconds?: number; limits?: LoginGuardLimits; credentials?: CredentialOptions },
): Promise<IdentityModule> {
  const keys = await TokenKeys.load(db, options.issuer, options.accessTokenTtlSeconds);
  const guard = new LoginGuard(options.limits ?? DEFAULT_LOGIN_LIMITS);
  const credentials = new Credentials(db, keys, guard, options.credentials ?? DEFAULT_CREDENTIAL_OPTIONS);
  const service = new IdentityService(db, keys, credentials, guard);
  return {
    service,
    authenticate: credentials.authenticate,
    registerRoutes: (app) => registerIdentityRoutes(app, service),
  };
}
